// Package maelstrom is a small library for writing nodes that speak the
// Maelstrom protocol: one JSON envelope per line on stdin and stdout, logs on
// stderr. It answers init by itself, dispatches requests to handlers by body
// type, and pairs replies with the requests that caused them
// (msg_id / in_reply_to), for callbacks and blocking calls alike.
//
// It is the shared code of labgrade's reference solutions, vendored into each
// one's archive when it is packed. Standard library only.
package maelstrom

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
)

// Message is one envelope. Body is kept raw so handlers decode it into their
// own types.
type Message struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

// MessageBody holds the keys any body may carry; embed it in request types.
type MessageBody struct {
	Type      string `json:"type"`
	MsgID     int    `json:"msg_id,omitempty"`
	InReplyTo int    `json:"in_reply_to,omitempty"`
}

// Type returns the body's type ("" if the body is not an object).
func (m Message) Type() string {
	return m.header().Type
}

// Decode unmarshals the body into v.
func (m Message) Decode(v any) error {
	return json.Unmarshal(m.Body, v)
}

// RPCError returns the error this message carries, or nil if it is not an
// error body.
func (m Message) RPCError() *RPCError {
	var body struct {
		Type string `json:"type"`
		Code int    `json:"code"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil || body.Type != "error" {
		return nil
	}
	return &RPCError{Code: body.Code, Text: body.Text}
}

func (m Message) header() MessageBody {
	var h MessageBody
	_ = json.Unmarshal(m.Body, &h)
	return h
}

// HandlerFunc handles one message. Returning an *RPCError answers the sender
// with that error; any other error is logged and answered with Crash (an
// indefinite error: the request may have had effects).
type HandlerFunc func(msg Message) error

// Node is one Maelstrom node. Create it with NewNode, register handlers, then
// call Run. All methods are safe for concurrent use: every request and every
// reply callback runs in its own goroutine.
type Node struct {
	mu        sync.Mutex
	id        string
	nodeIDs   []string
	nextMsgID int
	handlers  map[string]HandlerFunc
	callbacks map[int]HandlerFunc

	stdin   io.Reader
	stdoutM sync.Mutex // one envelope per line: writes never interleave
	stdout  io.Writer
	logger  *log.Logger

	running sync.WaitGroup
}

// NewNode returns a node on the process's stdin, stdout and stderr.
func NewNode() *Node {
	return NewNodeIO(os.Stdin, os.Stdout, os.Stderr)
}

// NewNodeIO returns a node reading envelopes from stdin, writing them to
// stdout and logging to stderr (for tests).
func NewNodeIO(stdin io.Reader, stdout, stderr io.Writer) *Node {
	return &Node{
		handlers:  map[string]HandlerFunc{},
		callbacks: map[int]HandlerFunc{},
		stdin:     stdin,
		stdout:    stdout,
		logger:    log.New(stderr, "", log.LstdFlags|log.Lmicroseconds),
	}
}

// ID is this node's id ("n3"), known once init has arrived.
func (n *Node) ID() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.id
}

// NodeIDs lists every node of the cluster, this one included.
func (n *Node) NodeIDs() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.nodeIDs...)
}

// Handle registers fn for requests whose body type is typ. A handler for
// "init" runs after the node knows its id and before init_ok is sent; it runs
// on the reading goroutine, so it must not wait for any message (no SyncRPC).
func (n *Node) Handle(typ string, fn HandlerFunc) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, taken := n.handlers[typ]; taken {
		panic(fmt.Sprintf("maelstrom: a handler for %q is already registered", typ))
	}
	n.handlers[typ] = fn
}

// Logf writes a line to the node's log (stderr).
func (n *Node) Logf(format string, args ...any) {
	n.logger.Printf(format, args...)
}

// Run reads envelopes until stdin ends, then waits for running handlers.
func (n *Node) Run() error {
	reader := bufio.NewReader(n.stdin)
	for {
		line, err := reader.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			n.dispatch(line)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("maelstrom: reading stdin: %w", err)
		}
	}
	n.running.Wait()
	return nil
}

func (n *Node) dispatch(line []byte) {
	var msg Message
	if err := json.Unmarshal(line, &msg); err != nil {
		n.Logf("ignoring a line that is not an envelope (%v): %s", err, line)
		return
	}
	head := msg.header()
	if head.InReplyTo != 0 {
		n.mu.Lock()
		callback := n.callbacks[head.InReplyTo]
		delete(n.callbacks, head.InReplyTo)
		n.mu.Unlock()
		if callback == nil {
			n.Logf("ignoring a reply to %d, which is not awaited (late or duplicate): %s", head.InReplyTo, line)
			return
		}
		n.spawn(func() {
			if err := callback(msg); err != nil {
				n.Logf("reply callback for %d: %v", head.InReplyTo, err)
			}
		})
		return
	}
	if head.Type == "init" {
		// Inline, so that every later message sees the node's id.
		n.init(msg)
		return
	}
	n.mu.Lock()
	handler := n.handlers[head.Type]
	n.mu.Unlock()
	if handler == nil {
		n.replyError(msg, NewRPCError(NotSupported, fmt.Sprintf("no handler for %q", head.Type)))
		return
	}
	n.spawn(func() { n.replyError(msg, handler(msg)) })
}

func (n *Node) init(msg Message) {
	var body struct {
		NodeID  string   `json:"node_id"`
		NodeIDs []string `json:"node_ids"`
	}
	if err := msg.Decode(&body); err != nil {
		n.replyError(msg, NewRPCError(MalformedRequest, fmt.Sprintf("bad init: %v", err)))
		return
	}
	n.mu.Lock()
	n.id, n.nodeIDs = body.NodeID, body.NodeIDs
	handler := n.handlers["init"]
	n.mu.Unlock()
	if handler != nil {
		if err := handler(msg); err != nil {
			n.replyError(msg, err)
			return
		}
	}
	if err := n.Reply(msg, MessageBody{Type: "init_ok"}); err != nil {
		n.Logf("could not answer init: %v", err)
	}
	n.Logf("initialised as %s of %v", body.NodeID, body.NodeIDs)
}

func (n *Node) spawn(fn func()) {
	n.running.Add(1)
	go func() {
		defer n.running.Done()
		fn()
	}()
}

// replyError answers req with err (nothing if err is nil).
func (n *Node) replyError(req Message, err error) {
	if err == nil {
		return
	}
	var rpcErr *RPCError
	if !errors.As(err, &rpcErr) {
		n.Logf("handling %s from %s failed: %v", req.Type(), req.Src, err)
		rpcErr = NewRPCError(Crash, err.Error())
	}
	if err := n.Reply(req, rpcErr.body()); err != nil {
		n.Logf("could not send an error reply: %v", err)
	}
}

// Reply answers req with body (a struct or map with a "type"), setting its
// in_reply_to.
func (n *Node) Reply(req Message, body any) error {
	fields, err := bodyFields(body)
	if err != nil {
		return err
	}
	fields["in_reply_to"] = req.header().MsgID
	fields["msg_id"] = n.newMsgID()
	return n.write(req.Src, fields)
}

// Send sends body to dest without expecting a reply (no msg_id).
func (n *Node) Send(dest string, body any) error {
	fields, err := bodyFields(body)
	if err != nil {
		return err
	}
	return n.write(dest, fields)
}

// RPC sends body to dest with a fresh msg_id and calls callback with the reply
// when it arrives. A reply that never comes (a lost message) never calls it;
// use SyncRPC to wait with a deadline.
func (n *Node) RPC(dest string, body any, callback HandlerFunc) error {
	_, err := n.rpc(dest, body, callback)
	return err
}

func (n *Node) rpc(dest string, body any, callback HandlerFunc) (int, error) {
	fields, err := bodyFields(body)
	if err != nil {
		return 0, err
	}
	id := n.newMsgID()
	fields["msg_id"] = id
	n.mu.Lock()
	n.callbacks[id] = callback
	n.mu.Unlock()
	if err := n.write(dest, fields); err != nil {
		n.forget(id)
		return 0, err
	}
	return id, nil
}

// SyncRPC sends body to dest and waits for the reply or for ctx to end. An
// error reply is returned as an *RPCError (with the message); an ended ctx as
// ctx.Err(), after which a late reply is ignored.
func (n *Node) SyncRPC(ctx context.Context, dest string, body any) (Message, error) {
	replies := make(chan Message, 1)
	id, err := n.rpc(dest, body, func(reply Message) error {
		replies <- reply
		return nil
	})
	if err != nil {
		return Message{}, err
	}
	select {
	case reply := <-replies:
		if rpcErr := reply.RPCError(); rpcErr != nil {
			return reply, rpcErr
		}
		return reply, nil
	case <-ctx.Done():
		n.forget(id)
		return Message{}, ctx.Err()
	}
}

func (n *Node) forget(msgID int) {
	n.mu.Lock()
	delete(n.callbacks, msgID)
	n.mu.Unlock()
}

func (n *Node) newMsgID() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nextMsgID++
	return n.nextMsgID
}

func (n *Node) write(dest string, body map[string]any) error {
	line, err := json.Marshal(struct {
		Src  string         `json:"src"`
		Dest string         `json:"dest"`
		Body map[string]any `json:"body"`
	}{n.ID(), dest, body})
	if err != nil {
		return fmt.Errorf("maelstrom: encoding a message to %s: %w", dest, err)
	}
	n.stdoutM.Lock()
	defer n.stdoutM.Unlock()
	if _, err := n.stdout.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("maelstrom: writing stdout: %w", err)
	}
	return nil
}

// bodyFields turns a body (struct or map) into a fresh map we may add keys to.
// Numbers stay json.Number, so large integers survive the round trip.
func bodyFields(body any) (map[string]any, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("maelstrom: encoding a body: %w", err)
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	fields := map[string]any{}
	if err := decoder.Decode(&fields); err != nil {
		return nil, fmt.Errorf("maelstrom: a body must encode to a JSON object: %w", err)
	}
	if _, ok := fields["type"].(string); !ok {
		return nil, errors.New(`maelstrom: a body needs a string "type"`)
	}
	return fields, nil
}
