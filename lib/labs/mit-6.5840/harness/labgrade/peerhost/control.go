// labgrade-overlay: the control port (Contract 2): one tester connection at
// a time (a new one replaces the old), a hello line first, then the apply
// stream in order and one reply per request, each request answered in its
// own goroutine so a Raft stuck in one call does not hold up the others.
// The hello waits for Make to return: a tester waits for it before asking.
package peerhost

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"sync"
)

// maxRequestBytes bounds one request line (a snapshot travels in one).
const maxRequestBytes = 64 << 20

type controlConn struct {
	conn   net.Conn
	done   chan struct{}
	once   sync.Once
	writeM sync.Mutex
	out    *bufio.Writer
}

func (c *controlConn) close() {
	c.once.Do(func() {
		close(c.done)
		c.conn.Close()
	})
}

// writeLine writes one line; false once the connection is gone.
func (c *controlConn) writeLine(line []byte) bool {
	c.writeM.Lock()
	defer c.writeM.Unlock()
	c.out.Write(line)
	c.out.WriteByte('\n')
	if err := c.out.Flush(); err != nil {
		c.close()
		return false
	}
	return true
}

func (h *Host) acceptControl(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		c := &controlConn{conn: conn, done: make(chan struct{}), out: bufio.NewWriter(conn)}
		h.mu.Lock()
		old := h.control
		h.control = c
		h.mu.Unlock()
		if old != nil {
			old.close()
		}
		fmt.Fprintf(os.Stderr, "labgrade: a tester connected from %s\n", conn.RemoteAddr())
		go h.serveControl(c)
	}
}

func (h *Host) serveControl(c *controlConn) {
	defer c.close()
	select {
	case <-h.made:
	case <-c.done:
		return
	}
	snap := h.restored.Snapshot
	line, _ := json.Marshal(helloLine{Hello: hello{Me: h.cfg.Me, Layout: h.cfg.Layout, Restored: restoredState{
		RaftStateBytes: h.restored.RaftStateBytes,
		SnapshotBytes:  len(snap),
		Snapshot:       base64.StdEncoding.EncodeToString(snap),
	}}})
	if !c.writeLine(line) {
		return
	}
	go h.streamApplies(c)
	scanner := bufio.NewScanner(c.conn)
	scanner.Buffer(make([]byte, 64<<10), maxRequestBytes)
	for scanner.Scan() {
		text := append([]byte(nil), scanner.Bytes()...)
		go func() { c.writeLine(h.answer(text)) }()
	}
}

// streamApplies writes queued apply lines in order until c is replaced or
// gone. One stream at a time takes and writes (streamMu), so a line the old
// connection could not take goes back to the head before the next
// connection's stream takes any.
func (h *Host) streamApplies(c *controlConn) {
	defer func() {
		// Pass on a wake-up this stream may have consumed.
		select {
		case h.applyReady <- struct{}{}:
		default:
		}
	}()
	for {
		if !h.writeQueued(c) {
			return
		}
		select {
		case <-h.applyReady:
		case <-c.done:
			return
		}
	}
}

// writeQueued writes every queued line to c; false once c is done.
func (h *Host) writeQueued(c *controlConn) bool {
	h.streamMu.Lock()
	defer h.streamMu.Unlock()
	for {
		select {
		case <-c.done:
			return false
		default:
		}
		line, ok := h.nextApply()
		if !ok {
			return true
		}
		if !c.writeLine(line) {
			h.unshiftApply(line)
			return false
		}
	}
}

// answer is the reply line to one request line.
func (h *Host) answer(text []byte) []byte {
	var req request
	if err := json.Unmarshal(text, &req); err != nil {
		return replyLine(nil, map[string]interface{}{"error": fmt.Sprintf("not a request: %v", err)})
	}
	fields, err := h.do(req)
	if err != nil {
		fields = map[string]interface{}{"error": err.Error()}
	}
	return replyLine(req.ID, fields)
}

func replyLine(id json.RawMessage, fields map[string]interface{}) []byte {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	fields["id"] = id
	line, _ := json.Marshal(fields)
	return line
}

// do carries out one request on the Raft; a panic in the Raft's method is
// an error reply (and its stack goes to the log).
func (h *Host) do(req request) (fields map[string]interface{}, err error) {
	h.mu.Lock()
	raft, persistBytes := h.raft, h.persistBytes
	h.mu.Unlock()
	if raft == nil && req.Op != "rpcStats" {
		return nil, fmt.Errorf("the Raft is not made yet (Make has not returned)")
	}
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "labgrade: %s panicked in the Raft: %v\n%s", req.Op, p, debug.Stack())
			fields, err = nil, fmt.Errorf("%s panicked in your Raft: %v", req.Op, p)
		}
	}()
	switch req.Op {
	case "start":
		command, err := decodeCommand(req.Command)
		if err != nil {
			return nil, err
		}
		index, term, isLeader := raft.Start(command)
		return map[string]interface{}{"index": index, "term": term, "isLeader": isLeader}, nil
	case "state":
		term, isLeader := raft.GetState()
		return map[string]interface{}{"term": term, "isLeader": isLeader}, nil
	case "snapshot":
		raft.Snapshot(req.Index, req.Snapshot)
		return map[string]interface{}{"ok": true}, nil
	case "persistBytes":
		return map[string]interface{}{"bytes": persistBytes()}, nil
	case "kill":
		// As the course's tester kills a peer: it answers no RPC and sends none.
		h.server.Kill()
		for _, end := range h.ends {
			end.Disable()
		}
		raft.Kill()
		return map[string]interface{}{"ok": true}, nil
	case "rpcStats":
		s := h.stats.Snapshot()
		return map[string]interface{}{"rpcs": s.RPCs, "bytesSent": s.BytesSent, "bytesReceived": s.BytesReceived, "panics": s.Panics}, nil
	}
	return nil, fmt.Errorf("unknown op %q: want start, state, snapshot, persistBytes, kill or rpcStats", req.Op)
}
