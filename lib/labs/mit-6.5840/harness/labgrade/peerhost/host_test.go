// Tests of the peer host over loopback, with a small fake Raft of our own:
// the control protocol's round trips, the apply stream's order and its
// queue while no tester is connected, and a panic answered as an error.
package peerhost

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"6.5840/labrpc"
)

// fakeRaft leads term 2, applies each started command at once on applyCh,
// and panics on the command "panic".
type fakeRaft struct {
	applyCh chan ApplyMsg

	mu        sync.Mutex
	started   []interface{}
	snapshots []int
	killed    bool
}

func (f *fakeRaft) Start(command interface{}) (int, int, bool) {
	if command == "panic" {
		panic("the fake Raft was told to panic")
	}
	f.mu.Lock()
	f.started = append(f.started, command)
	index := len(f.started) + 100
	f.mu.Unlock()
	f.applyCh <- ApplyMsg{CommandValid: true, Command: command, CommandIndex: index}
	return index, 2, true
}

func (f *fakeRaft) GetState() (int, bool) { return 2, true }

func (f *fakeRaft) Snapshot(index int, snapshot []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snapshots = append(f.snapshots, index)
}

func (f *fakeRaft) Kill() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.killed = true
}

type PingArgs struct{ N int }
type PingReply struct{ N int }

func (f *fakeRaft) Ping(args *PingArgs, reply *PingReply) { reply.N = args.N + 1 }

// tester is our side of a control connection.
type tester struct {
	t     *testing.T
	conn  net.Conn
	lines *bufio.Scanner
}

func dial(t *testing.T, addr string) *tester {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &tester{t: t, conn: conn, lines: bufio.NewScanner(conn)}
}

func (c *tester) send(line string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(line + "\n")); err != nil {
		c.t.Fatal(err)
	}
}

// next is the next line as a map (numbers as float64).
func (c *tester) next() map[string]interface{} {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if !c.lines.Scan() {
		c.t.Fatalf("the host sent nothing more: %v", c.lines.Err())
	}
	var m map[string]interface{}
	if err := json.Unmarshal(c.lines.Bytes(), &m); err != nil {
		c.t.Fatalf("not JSON: %q", c.lines.Text())
	}
	return m
}

// reply skips apply lines (kept in applies) until the reply with id.
func (c *tester) reply(id float64, applies *[]map[string]interface{}) map[string]interface{} {
	c.t.Helper()
	for {
		m := c.next()
		if a, ok := m["apply"].(map[string]interface{}); ok {
			*applies = append(*applies, a)
			continue
		}
		if m["id"] == id {
			return m
		}
		c.t.Fatalf("unexpected line %v while waiting for reply %v", m, id)
	}
}

func startHost(t *testing.T) (*Host, *fakeRaft, string, string) {
	t.Helper()
	rpcListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rpcListener.Close() })
	cfg := Config{Layout: "2025", Me: 0, PeerAddrs: []string{rpcListener.Addr().String()}, ControlAddr: "127.0.0.1:0"}
	h := New(cfg, Restored{RaftStateBytes: 12, Snapshot: []byte("snap!")})
	control, err := h.ListenControl()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { control.Close() })
	fake := &fakeRaft{applyCh: make(chan ApplyMsg)}
	go func() {
		for m := range fake.applyCh {
			h.Apply(m)
		}
	}()
	// Attached before any request, as Serve attaches it before serving.
	h.attach(fake, func() int { return 1234 })
	go h.server.Serve(rpcListener)
	return h, fake, control.Addr().String(), rpcListener.Addr().String()
}

func TestControlRoundTripsAndApplyOrder(t *testing.T) {
	h, fake, controlAddr, rpcAddr := startHost(t)
	// Applied before any tester connects: queued, then sent in order.
	for i := 1; i <= 3; i++ {
		h.Apply(ApplyMsg{CommandValid: true, Command: i * 10, CommandIndex: i})
	}
	h.Apply(ApplyMsg{SnapshotValid: true, Snapshot: []byte{1, 2, 3}, SnapshotTerm: 3, SnapshotIndex: 20})
	c := dial(t, controlAddr)
	hello := c.next()["hello"].(map[string]interface{})
	restored := hello["restored"].(map[string]interface{})
	if hello["me"] != 0.0 || hello["layout"] != "2025" || restored["raftStateBytes"] != 12.0 || restored["snapshotBytes"] != 5.0 ||
		restored["snapshot"] != base64.StdEncoding.EncodeToString([]byte("snap!")) {
		t.Fatalf("hello: %v", hello)
	}
	for i := 1; i <= 3; i++ {
		a := c.next()["apply"].(map[string]interface{})
		if a["commandValid"] != true || a["command"] != float64(i*10) || a["commandIndex"] != float64(i) {
			t.Fatalf("apply %d: %v", i, a)
		}
	}
	snap := c.next()["apply"].(map[string]interface{})
	if snap["snapshotValid"] != true || snap["snapshot"] != "AQID" || snap["snapshotTerm"] != 3.0 || snap["snapshotIndex"] != 20.0 {
		t.Fatalf("snapshot apply: %v", snap)
	}

	var applies []map[string]interface{}
	c.send(`{"id":1,"op":"start","command":42}`)
	if r := c.reply(1, &applies); r["index"] != 101.0 || r["term"] != 2.0 || r["isLeader"] != true {
		t.Fatalf("start: %v", r)
	}
	c.send(`{"id":2,"op":"start","command":"x y"}`)
	c.reply(2, &applies)
	fake.mu.Lock()
	if fake.started[0] != 42 || fake.started[1] != "x y" {
		t.Fatalf("the Raft got %#v, want the Go int 42 and the string", fake.started)
	}
	fake.mu.Unlock()
	c.send(`{"id":3,"op":"state"}`)
	if r := c.reply(3, &applies); r["term"] != 2.0 || r["isLeader"] != true {
		t.Fatalf("state: %v", r)
	}
	c.send(`{"id":4,"op":"snapshot","index":10,"snapshot":"AAEC"}`)
	if r := c.reply(4, &applies); r["ok"] != true {
		t.Fatalf("snapshot: %v", r)
	}
	c.send(`{"id":5,"op":"persistBytes"}`)
	if r := c.reply(5, &applies); r["bytes"] != 1234.0 {
		t.Fatalf("persistBytes: %v", r)
	}
	c.send(`{"id":6,"op":"start","command":1.5}`)
	if r := c.reply(6, &applies); !strings.Contains(r["error"].(string), "not an integer") {
		t.Fatalf("a fractional command: %v", r)
	}
	c.send(`{"id":7,"op":"fly"}`)
	if r := c.reply(7, &applies); !strings.Contains(r["error"].(string), "unknown op") {
		t.Fatalf("unknown op: %v", r)
	}
	// The two started commands come back as applies, as the JSON they were.
	for len(applies) < 2 {
		applies = append(applies, c.next()["apply"].(map[string]interface{}))
	}
	if applies[0]["command"] != 42.0 || applies[1]["command"] != "x y" {
		t.Fatalf("applies of started commands: %v", applies)
	}

	// RPCs reach the Raft's methods and are counted; after kill, none is answered.
	end := labrpc.MakeEnd(rpcAddr, nil)
	var reply PingReply
	if !h.Ends()[0].Call("fakeRaft.Ping", &PingArgs{N: 1}, &reply) || reply.N != 2 {
		t.Fatalf("Ping through the host's own end: %v", reply)
	}
	c.send(`{"id":8,"op":"rpcStats"}`)
	if r := c.reply(8, &applies); r["rpcs"] != 1.0 || r["bytesSent"].(float64) <= 0 || r["bytesReceived"].(float64) <= 0 {
		t.Fatalf("rpcStats: %v", r)
	}
	c.send(`{"id":9,"op":"kill"}`)
	if r := c.reply(9, &applies); r["ok"] != true {
		t.Fatalf("kill: %v", r)
	}
	fake.mu.Lock()
	killed := fake.killed
	fake.mu.Unlock()
	if !killed {
		t.Fatal("kill did not reach the Raft")
	}
	if end.Call("fakeRaft.Ping", &PingArgs{N: 1}, &PingReply{}) {
		t.Fatal("a killed peer answered an RPC")
	}
	began := time.Now()
	if h.Ends()[0].Call("fakeRaft.Ping", &PingArgs{N: 1}, &PingReply{}) {
		t.Fatal("a killed peer's own end still sends")
	}
	if took := time.Since(began); took < labrpc.MinGiveUp {
		t.Fatalf("a killed peer's call failed after %v, sooner than any give-up time", took)
	}
}

func TestPanicInRaftIsAnErrorReplyAndTheHostGoesOn(t *testing.T) {
	_, _, controlAddr, _ := startHost(t)
	c := dial(t, controlAddr)
	c.next() // hello
	var applies []map[string]interface{}
	c.send(`{"id":"a","op":"start","command":"panic"}`)
	r := c.next()
	if r["id"] != "a" || !strings.Contains(r["error"].(string), "panicked in your Raft") {
		t.Fatalf("a panic's reply: %v", r)
	}
	c.send(`{"id":2,"op":"state"}`)
	if r := c.reply(2, &applies); r["isLeader"] != true {
		t.Fatalf("after a panic: %v", r)
	}
	c.send(`not json`)
	if r := c.next(); r["id"] != nil || r["error"] == nil {
		t.Fatalf("a line that is not JSON: %v", r)
	}
}

func TestNewTesterReplacesTheOldAndGetsWhatWasQueued(t *testing.T) {
	h, _, controlAddr, _ := startHost(t)
	first := dial(t, controlAddr)
	first.next() // hello
	h.Apply(ApplyMsg{CommandValid: true, Command: 1, CommandIndex: 1})
	if a := first.next()["apply"].(map[string]interface{}); a["command"] != 1.0 {
		t.Fatalf("first tester: %v", a)
	}
	second := dial(t, controlAddr)
	second.next() // hello
	// The first connection is closed by the host.
	first.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if first.lines.Scan() {
		t.Fatalf("the replaced connection still gets lines: %q", first.lines.Text())
	}
	second.conn.Close()
	time.Sleep(100 * time.Millisecond)
	// Applied while nobody listens: kept, in order, for the next tester.
	for i := 2; i <= 50; i++ {
		h.Apply(ApplyMsg{CommandValid: true, Command: i, CommandIndex: i})
	}
	third := dial(t, controlAddr)
	third.next() // hello
	for i := 2; i <= 50; i++ {
		a := third.next()["apply"].(map[string]interface{})
		if a["commandIndex"] != float64(i) {
			t.Fatalf("want index %d, got %v", i, a)
		}
	}
}

func TestHelloWaitsForMake(t *testing.T) {
	cfg := Config{Layout: "2024", PeerAddrs: []string{"127.0.0.1:1"}, ControlAddr: "127.0.0.1:0"}
	h := New(cfg, Restored{})
	l, err := h.ListenControl()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := dial(t, l.Addr().String())
	c.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if c.lines.Scan() {
		t.Fatalf("a line before Make returned: %q", c.lines.Text())
	}
	// A new connection after the timeout, as a tester would retry; then Make returns.
	c = dial(t, l.Addr().String())
	h.attach(&fakeRaft{applyCh: make(chan ApplyMsg)}, func() int { return 0 })
	hello := c.next()["hello"].(map[string]interface{})
	if hello["restored"].(map[string]interface{})["snapshot"] != "" {
		t.Fatalf("an empty snapshot must be an empty string: %v", hello)
	}
	var applies []map[string]interface{}
	c.send(`{"id":1,"op":"state"}`)
	if r := c.reply(1, &applies); r["term"] != 2.0 {
		t.Fatalf("state after Make: %v", r)
	}
}
