package maelstrom

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// harness runs a node on pipes: the test plays every other party.
type harness struct {
	t     *testing.T
	node  *Node
	stdin *io.PipeWriter
	out   chan envelope
	done  chan error
	log   *lockedBuffer
}

type envelope struct {
	Src  string         `json:"src"`
	Dest string         `json:"dest"`
	Body map[string]any `json:"body"`
}

type lockedBuffer struct {
	mu sync.Mutex
	sb strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.String()
}

func start(t *testing.T, register func(n *Node)) *harness {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	h := &harness{t: t, stdin: inW, out: make(chan envelope, 100), done: make(chan error, 1), log: &lockedBuffer{}}
	h.node = NewNodeIO(inR, outW, h.log)
	register(h.node)
	go func() {
		scanner := bufio.NewScanner(outR)
		scanner.Buffer(make([]byte, 1<<20), 1<<20)
		for scanner.Scan() {
			var env envelope
			if err := json.Unmarshal(scanner.Bytes(), &env); err != nil {
				t.Errorf("the node wrote a line that is not an envelope: %q", scanner.Text())
				continue
			}
			h.out <- env
		}
		if err := scanner.Err(); err != nil {
			t.Errorf("reading the node's stdout: %v", err)
		}
	}()
	go func() {
		h.done <- h.node.Run()
		outW.Close()
	}()
	t.Cleanup(func() {
		inW.Close()
		select {
		case <-h.done:
		case <-time.After(2 * time.Second):
			t.Error("Run did not return after stdin closed")
		}
	})
	return h
}

func (h *harness) send(src string, body map[string]any) {
	h.t.Helper()
	line, err := json.Marshal(envelope{Src: src, Dest: "n1", Body: body})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.stdin.Write(append(line, '\n')); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) next() envelope {
	h.t.Helper()
	select {
	case env := <-h.out:
		return env
	case <-time.After(2 * time.Second):
		h.t.Fatalf("the node sent nothing within 2 s; its log:\n%s", h.log.String())
		return envelope{}
	}
}

func (h *harness) init() {
	h.t.Helper()
	h.send("c0", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n0", "n1", "n2"}})
	reply := h.next()
	if reply.Body["type"] != "init_ok" || reply.Body["in_reply_to"] != 1.0 || reply.Dest != "c0" || reply.Src != "n1" {
		h.t.Fatalf("init was answered with %+v", reply)
	}
}

func TestInitIsAnsweredAndSetsTheNodesIdentity(t *testing.T) {
	initSawID := ""
	h := start(t, func(n *Node) {
		n.Handle("init", func(Message) error {
			initSawID = n.ID()
			return nil
		})
	})
	h.init()
	if h.node.ID() != "n1" || strings.Join(h.node.NodeIDs(), ",") != "n0,n1,n2" {
		t.Fatalf("id %q, node ids %v", h.node.ID(), h.node.NodeIDs())
	}
	if initSawID != "n1" {
		t.Fatalf("the init handler saw id %q", initSawID)
	}
}

func TestHandlerRepliesWithInReplyTo(t *testing.T) {
	h := start(t, func(n *Node) {
		n.Handle("echo", func(msg Message) error {
			var body struct {
				Echo string `json:"echo"`
			}
			if err := msg.Decode(&body); err != nil {
				return err
			}
			return n.Reply(msg, map[string]any{"type": "echo_ok", "echo": body.Echo})
		})
	})
	h.init()
	h.send("c1", map[string]any{"type": "echo", "msg_id": 7, "echo": "hi"})
	reply := h.next()
	if reply.Dest != "c1" || reply.Body["type"] != "echo_ok" || reply.Body["echo"] != "hi" || reply.Body["in_reply_to"] != 7.0 {
		t.Fatalf("got %+v", reply)
	}
}

func TestUnknownTypesAreNotSupported(t *testing.T) {
	h := start(t, func(*Node) {})
	h.init()
	h.send("c1", map[string]any{"type": "frobnicate", "msg_id": 3})
	reply := h.next()
	if reply.Body["type"] != "error" || reply.Body["code"] != float64(NotSupported) || reply.Body["in_reply_to"] != 3.0 {
		t.Fatalf("got %+v", reply)
	}
}

func TestHandlerErrorsBecomeErrorReplies(t *testing.T) {
	h := start(t, func(n *Node) {
		n.Handle("definite", func(Message) error { return NewRPCError(KeyDoesNotExist, "no such key") })
		n.Handle("broken", func(Message) error { return errors.New("boom") })
	})
	h.init()
	h.send("c1", map[string]any{"type": "definite", "msg_id": 4})
	if reply := h.next(); reply.Body["code"] != float64(KeyDoesNotExist) || reply.Body["text"] != "no such key" {
		t.Fatalf("got %+v", reply)
	}
	h.send("c1", map[string]any{"type": "broken", "msg_id": 5})
	if reply := h.next(); reply.Body["code"] != float64(Crash) || reply.Body["in_reply_to"] != 5.0 {
		t.Fatalf("got %+v", reply)
	}
	if !strings.Contains(h.log.String(), "boom") {
		t.Fatalf("the error was not logged: %s", h.log.String())
	}
}

func TestSyncRPCPairsRepliesWithRequests(t *testing.T) {
	h := start(t, func(*Node) {})
	h.init()
	results := make(chan string, 2)
	for _, value := range []string{"a", "b"} {
		go func() {
			reply, err := h.node.SyncRPC(context.Background(), "n2", map[string]any{"type": "ask", "value": value})
			if err != nil {
				results <- "error: " + err.Error()
				return
			}
			var body struct {
				Value string `json:"value"`
			}
			_ = reply.Decode(&body)
			results <- value + "=" + body.Value
		}()
	}
	first, second := h.next(), h.next()
	// Answer in the opposite order: each caller must get its own reply.
	for _, req := range []envelope{second, first} {
		if req.Dest != "n2" || req.Body["msg_id"] == nil {
			t.Fatalf("request %+v", req)
		}
		h.send("n2", map[string]any{"type": "ask_ok", "in_reply_to": req.Body["msg_id"], "value": req.Body["value"]})
	}
	got := map[string]bool{<-results: true, <-results: true}
	if !got["a=a"] || !got["b=b"] {
		t.Fatalf("got %v", got)
	}
}

func TestSyncRPCReturnsErrorRepliesAsRPCErrors(t *testing.T) {
	h := start(t, func(*Node) {})
	h.init()
	errs := make(chan error, 1)
	go func() {
		_, err := h.node.SyncRPC(context.Background(), "n0", map[string]any{"type": "cas"})
		errs <- err
	}()
	req := h.next()
	h.send("n0", map[string]any{"type": "error", "in_reply_to": req.Body["msg_id"], "code": PreconditionFailed, "text": "nope"})
	err := <-errs
	var rpcErr *RPCError
	if !errors.As(err, &rpcErr) || rpcErr.Code != PreconditionFailed || !rpcErr.Definite() || ErrorCode(err) != PreconditionFailed {
		t.Fatalf("got %v", err)
	}
}

func TestSyncRPCGivesUpWithItsContextAndIgnoresTheLateReply(t *testing.T) {
	h := start(t, func(*Node) {})
	h.init()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	errs := make(chan error, 1)
	go func() {
		_, err := h.node.SyncRPC(ctx, "n0", map[string]any{"type": "slow"})
		errs <- err
	}()
	req := h.next()
	if err := <-errs; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	h.send("n0", map[string]any{"type": "slow_ok", "in_reply_to": req.Body["msg_id"]})
	deadline := time.Now().Add(time.Second)
	for !strings.Contains(h.log.String(), "not awaited") {
		if time.Now().After(deadline) {
			t.Fatalf("the late reply was not logged as ignored: %s", h.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRPCCallsBackAndSendCarriesNoMsgID(t *testing.T) {
	h := start(t, func(*Node) {})
	h.init()
	called := make(chan string, 1)
	if err := h.node.RPC("n2", map[string]any{"type": "gossip"}, func(reply Message) error {
		called <- reply.Type()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	req := h.next()
	h.send("n2", map[string]any{"type": "gossip_ok", "in_reply_to": req.Body["msg_id"]})
	if got := <-called; got != "gossip_ok" {
		t.Fatalf("callback got %q", got)
	}
	if err := h.node.Send("n0", struct {
		Type string `json:"type"`
		N    int    `json:"n"`
	}{"note", 1 << 53}); err != nil {
		t.Fatal(err)
	}
	note := h.next()
	if _, has := note.Body["msg_id"]; has || note.Body["type"] != "note" || note.Src != "n1" {
		t.Fatalf("got %+v", note)
	}
}

func TestConcurrentRepliesAreWholeLines(t *testing.T) {
	h := start(t, func(n *Node) {
		n.Handle("big", func(msg Message) error {
			return n.Reply(msg, map[string]any{"type": "big_ok", "pad": strings.Repeat("x", 64*1024)})
		})
	})
	h.init()
	for i := 1; i <= 20; i++ {
		h.send("c1", map[string]any{"type": "big", "msg_id": i})
	}
	seen := map[float64]bool{}
	for range 20 {
		reply := h.next() // the reader fails the test on a torn line
		seen[reply.Body["in_reply_to"].(float64)] = true
	}
	if len(seen) != 20 {
		t.Fatalf("got replies to %v", seen)
	}
}

func TestBodiesWithoutATypeAreRefused(t *testing.T) {
	h := start(t, func(*Node) {})
	h.init()
	if err := h.node.Send("n0", map[string]any{"value": 1}); err == nil {
		t.Fatal("a body without a type was sent")
	}
}
