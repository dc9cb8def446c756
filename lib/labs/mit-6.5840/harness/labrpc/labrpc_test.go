// Tests of our labrpc over loopback: replies decode, every failure is a
// false within the give-up bound, frames over the cap end the connection.
package labrpc

import (
	"bytes"
	"encoding/binary"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"6.5840/labgob"
)

type EchoArgs struct {
	Text  string
	Delay time.Duration
}

type EchoReply struct {
	Text  string
	Calls int
}

type Echo struct {
	mu    sync.Mutex
	calls int
}

func (e *Echo) Say(args *EchoArgs, reply *EchoReply) {
	time.Sleep(args.Delay)
	e.mu.Lock()
	e.calls++
	reply.Calls = e.calls
	e.mu.Unlock()
	reply.Text = "echo: " + args.Text
}

func (e *Echo) Boom(args *EchoArgs, reply *EchoReply) { panic("boom") }

// notAHandler has the wrong shape and must not become a method of the service.
func (e *Echo) NotAHandler() int { return 0 }

// serve starts a server with an Echo service on a loopback port.
func serve(t *testing.T) (*Server, *Stats, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	srv := MakeServer()
	stats := &Stats{}
	srv.SetStats(stats)
	srv.AddService(MakeService(&Echo{}))
	go srv.Serve(l)
	return srv, stats, l.Addr().String()
}

func TestReplyDecodesAndConnectionsAreReused(t *testing.T) {
	srv, serverStats, addr := serve(t)
	stats := &Stats{}
	end := MakeEnd(addr, stats)
	for i := 1; i <= 3; i++ {
		var reply EchoReply
		if !end.Call("Echo.Say", &EchoArgs{Text: "hi"}, &reply) {
			t.Fatalf("call %d returned false", i)
		}
		if reply.Text != "echo: hi" || reply.Calls != i {
			t.Fatalf("call %d: reply %+v", i, reply)
		}
	}
	if len(end.idle) != 1 {
		t.Fatalf("three sequential calls should share one connection; %d idle", len(end.idle))
	}
	got := stats.Snapshot()
	if got.RPCs != 3 || got.BytesSent == 0 || got.BytesReceived == 0 {
		t.Fatalf("client counters: %+v", got)
	}
	server := serverStats.Snapshot()
	if server.BytesReceived != got.BytesSent || server.BytesSent != got.BytesReceived {
		t.Fatalf("client %+v and server %+v disagree on the bytes", got, server)
	}
	if srv.GetCount() != 3 {
		t.Fatalf("server count %d", srv.GetCount())
	}
}

func TestConcurrentCallsEachGetTheirReply(t *testing.T) {
	_, _, addr := serve(t)
	end := MakeEnd(addr, nil)
	var wg sync.WaitGroup
	errs := make(chan string, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			text := string(rune('a' + i))
			var reply EchoReply
			if !end.Call("Echo.Say", &EchoArgs{Text: text, Delay: 20 * time.Millisecond}, &reply) || reply.Text != "echo: "+text {
				errs <- text
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("call %s failed or got another's reply", e)
	}
}

func TestUnknownMethodOrServiceIsFalse(t *testing.T) {
	_, _, addr := serve(t)
	end := MakeEnd(addr, nil)
	for _, name := range []string{"Echo.Nope", "Nope.Say", "NoDot", "Echo.NotAHandler"} {
		var reply EchoReply
		if end.Call(name, &EchoArgs{}, &reply) {
			t.Errorf("%s returned true", name)
		}
	}
	// The connection survives an unknown method: the next call works.
	var reply EchoReply
	if !end.Call("Echo.Say", &EchoArgs{Text: "still"}, &reply) {
		t.Fatal("a good call after unknown ones failed")
	}
}

func TestPanickingHandlerIsFalseAndCounted(t *testing.T) {
	_, stats, addr := serve(t)
	var reply EchoReply
	if MakeEnd(addr, nil).Call("Echo.Boom", &EchoArgs{}, &reply) {
		t.Fatal("a panicking handler's call returned true")
	}
	if stats.Snapshot().Panics != 1 {
		t.Fatalf("panics counted: %d", stats.Snapshot().Panics)
	}
}

// A refused connection is known at once on a real network; labrpc's call to
// a dead or disconnected peer fails only after its long delay, and so does ours.
func TestClosedPortIsFalseAtItsGiveUpTime(t *testing.T) {
	t.Parallel()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	stats := &Stats{}
	start := time.Now()
	var reply EchoReply
	if MakeEnd(addr, stats).Call("Echo.Say", &EchoArgs{}, &reply) {
		t.Fatal("a call to a closed port returned true")
	}
	if took := time.Since(start); took < MinGiveUp || took > MaxGiveUp+time.Second {
		t.Fatalf("a refused connection took %v, outside the give-up bounds [%v, %v]", took, MinGiveUp, MaxGiveUp)
	}
	if stats.Snapshot().RPCs != 1 {
		t.Fatal("an unanswered call must still be counted")
	}
}

func TestSilentPeerIsFalseWithinTheGiveUpBound(t *testing.T) {
	t.Parallel()
	// A listener that accepts and never answers, like a killed server.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	srv := MakeServer()
	srv.AddService(MakeService(&Echo{}))
	srv.Kill()
	go srv.Serve(l)
	end := MakeEnd(l.Addr().String(), nil)
	var wg sync.WaitGroup
	took := make([]time.Duration, 8)
	for i := range took {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			start := time.Now()
			var reply EchoReply
			if end.Call("Echo.Say", &EchoArgs{}, &reply) {
				t.Error("a killed server answered")
			}
			took[i] = time.Since(start)
		}(i)
	}
	wg.Wait()
	for _, d := range took {
		if d < MinGiveUp-5*time.Millisecond || d > MaxGiveUp+500*time.Millisecond {
			t.Fatalf("a call gave up after %v, outside [%v, %v]", d, MinGiveUp, MaxGiveUp)
		}
	}
	if len(end.idle) != 0 {
		t.Fatal("a connection that gave up was kept for reuse")
	}
}

func TestGiveUpResetsTheConnection(t *testing.T) {
	t.Parallel()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	var reply EchoReply
	if MakeEnd(l.Addr().String(), nil).Call("Echo.Say", &EchoArgs{}, &reply) {
		t.Fatal("nobody answered, yet true")
	}
	c := <-accepted
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1<<16)
	var err error
	for err == nil {
		_, err = c.Read(buf)
	}
	// SO_LINGER 0 makes the close an RST: the reader sees "connection reset", not EOF.
	if ne, ok := err.(*net.OpError); !ok || ne.Timeout() || !isReset(err) {
		t.Fatalf("the server side saw %v, want a connection reset", err)
	}
}

func TestFrameOverTheCapEndsTheConnection(t *testing.T) {
	_, _, addr := serve(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var header [4]byte
	binary.BigEndian.PutUint32(header[:], MaxFrameBytes+1)
	c.Write(header[:])
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := c.Read(make([]byte, 16))
	if n != 0 || err == nil {
		t.Fatalf("the server answered an oversized frame: %d bytes, %v", n, err)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server kept the connection open after an oversized frame")
	}
	// A request whose arguments exceed the cap is refused on the client side.
	var reply EchoReply
	big := make([]byte, MaxFrameBytes+1)
	if MakeEnd(addr, nil).Call("Echo.Say", &EchoArgs{Text: string(big)}, &reply) {
		t.Fatal("an oversized request returned true")
	}
}

// recordingListener remembers the connections it accepted, so a test can
// cut them all as a peer's death does.
type recordingListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *recordingListener) die() {
	l.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
}

func TestARestartedPeerCostsOneCallNotOnePerIdleConnection(t *testing.T) {
	inner, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := inner.Addr().String()
	first := &recordingListener{Listener: inner}
	srv := MakeServer()
	srv.AddService(MakeService(&Echo{}))
	go srv.Serve(first)
	end := MakeEnd(addr, nil)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			end.Call("Echo.Say", &EchoArgs{Delay: 50 * time.Millisecond}, &EchoReply{})
		}()
	}
	wg.Wait()
	if len(end.idle) < 2 {
		t.Fatalf("concurrent calls left %d idle connections, want several", len(end.idle))
	}
	first.die()
	again, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	restarted := MakeServer()
	restarted.AddService(MakeService(&Echo{}))
	go restarted.Serve(again)
	end.Call("Echo.Say", &EchoArgs{}, &EchoReply{}) // may be lost on a stale connection
	var reply EchoReply
	if !end.Call("Echo.Say", &EchoArgs{Text: "back"}, &reply) || reply.Text != "echo: back" {
		t.Fatal("the second call after a restart went to another stale connection")
	}
}

// The counters count whole frames; the Raft RPCBytes test allows 50,000
// bytes over the payload, so our envelope must stay small per call.
func TestFrameOverheadPerCallIsSmall(t *testing.T) {
	_, _, addr := serve(t)
	stats := &Stats{}
	end := MakeEnd(addr, stats)
	args := &EchoArgs{Text: strings.Repeat("x", 5000)}
	var reply EchoReply
	if !end.Call("Echo.Say", args, &reply) {
		t.Fatal("call failed")
	}
	var a, r bytes.Buffer
	labgob.NewEncoder(&a).Encode(args)
	labgob.NewEncoder(&r).Encode(&reply)
	got := stats.Snapshot()
	sentOver, receivedOver := got.BytesSent-int64(a.Len()), got.BytesReceived-int64(r.Len())
	t.Logf("frame bytes over the labgob payload: %d for the request, %d for the reply", sentOver, receivedOver)
	if sentOver > 120 || receivedOver > 120 {
		t.Fatalf("the envelope costs %d + %d bytes a call", sentOver, receivedOver)
	}
}

// A peer whose replies take long (a network holding them, as long
// reordering does) is waited for once it has shown it: calls that labrpc
// would have answered are not cut short by the give-up draw.
func TestASlowPeerIsWaitedFor(t *testing.T) {
	t.Parallel()
	_, _, addr := serve(t)
	end := MakeEnd(addr, nil)
	var reply EchoReply
	// Replies of about 1.5 s, answered while the draw was long enough, teach the end the peer's pace.
	for end.patience() < time.Second {
		end.Call("Echo.Say", &EchoArgs{Delay: 1500 * time.Millisecond}, &reply)
	}
	missed := 0
	for i := 0; i < 8; i++ {
		if !end.Call("Echo.Say", &EchoArgs{Text: "slow", Delay: 1500 * time.Millisecond}, &reply) {
			missed++
		}
	}
	if missed > 0 {
		t.Fatalf("%d of 8 calls to a peer that answers in 1.5 s gave up (patience %v)", missed, end.patience())
	}
	if p := end.patience(); p > maxPatience {
		t.Fatalf("patience %v is over its bound %v", p, maxPatience)
	}
}

// On a quiet network the estimate is tiny: the give-up draw stands, so a
// silent peer is still given up on within [MinGiveUp, MaxGiveUp].
func TestAQuickPeerLeavesTheGiveUpDrawAsItIs(t *testing.T) {
	t.Parallel()
	_, _, addr := serve(t)
	end := MakeEnd(addr, nil)
	var reply EchoReply
	for i := 0; i < 20; i++ {
		if !end.Call("Echo.Say", &EchoArgs{Text: "quick"}, &reply) {
			t.Fatal("a quick call failed")
		}
	}
	if p := end.patience(); p > 50*time.Millisecond {
		t.Fatalf("patience after quick replies is %v, want well under the 100 ms give-up floor", p)
	}
}

// Calls to a silent peer never hold more than maxInFlight connections: a
// cut-off peer's heartbeats cannot use up the node's file descriptors.
func TestCallsToASilentPeerHoldBoundedConnections(t *testing.T) {
	t.Parallel()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	var mu sync.Mutex
	open, most := 0, 0
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open++
			if open > most {
				most = open
			}
			mu.Unlock()
			// Silent: read until the caller gives up and resets the connection.
			go func() {
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						break
					}
				}
				c.Close()
				mu.Lock()
				open--
				mu.Unlock()
			}()
		}
	}()
	end := MakeEnd(l.Addr().String(), nil)
	var wg sync.WaitGroup
	for i := 0; i < 3*maxInFlight; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var reply EchoReply
			if end.Call("Echo.Say", &EchoArgs{}, &reply) {
				t.Error("a silent peer answered")
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	// The server sees a reset a moment after the caller freed its slot: a few of slack, never 3×.
	if most > maxInFlight+8 || most < maxInFlight/2 {
		t.Fatalf("%d connections to a silent peer at once, want about %d at most (and the slots used)", most, maxInFlight)
	}
}
