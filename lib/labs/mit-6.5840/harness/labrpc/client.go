// labgrade-overlay: our labrpc's client side, replacing the skeleton's
// simulated network with real TCP.
//
// A ClientEnd is one peer's address. Call keeps labrpc's meaning: true only
// when the reply came and was decoded into reply; false when none came in
// time, never blocking forever and never retrying on its own. The time to
// give up is drawn per call, uniformly in [MinGiveUp, MaxGiveUp] (labrpc's
// "long delays", which the Raft tests turn on, so a leader that waits for
// RPCs synchronously is caught). A call that gives up resets its connection
// (SO_LINGER 0), so its request cannot be delivered after a partition heals;
// a connection whose call completed is kept for the next call to that peer
// (all of them are dropped when a call to the peer fails). A call that fails
// sooner (connection refused or reset: a crashed peer, or a cut the tester
// aborted) still returns only at its give-up time, as labrpc's would.
//
// A peer that answers slowly is waited for: labrpc delivers every reply of a
// connected peer however long its network holds it, and only calls to a
// disconnected or dead one give up. A real network cannot tell the two
// apart, so each end keeps an estimate of how long the peer's replies take
// (TCP's: a smoothed time plus four times its deviation, RFC 6298) and a
// call waits at least that long. On a quiet network it is a millisecond and
// changes nothing; under long reordering (replies held for seconds) calls
// that labrpc would have answered are not cut short.
package labrpc

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"6.5840/labgob"
)

const (
	// MinGiveUp and MaxGiveUp bound the time a Call waits for its reply.
	MinGiveUp = 100 * time.Millisecond
	MaxGiveUp = 7 * time.Second
	// maxIdleConns is how many finished connections an end keeps per peer.
	maxIdleConns = 8
	// maxPatience bounds how long a slow peer is waited for.
	maxPatience = 15 * time.Second
	// maxInFlight bounds the calls to one peer that hold a connection at
	// once; more wait for one to finish, within their own give-up time. Calls
	// to a cut-off peer would otherwise pile up (a heartbeat every 100 ms, each
	// waiting seconds) until the node runs out of file descriptors.
	maxInFlight = 48
)

// ClientEnd sends RPCs to one peer.
type ClientEnd struct {
	addr     string
	stats    *Stats
	disabled atomic.Bool

	// inFlight holds a token per call that holds a connection (maxInFlight).
	inFlight chan struct{}

	mu   sync.Mutex
	idle []*net.TCPConn
	// srtt and rttvar: the smoothed reply time of answered calls and its deviation (0: none yet).
	srtt, rttvar time.Duration
}

// MakeEnd returns an end that calls the peer at addr ("host:port"),
// counting into stats (nil: a private counter).
func MakeEnd(addr string, stats *Stats) *ClientEnd {
	if stats == nil {
		stats = &Stats{}
	}
	return &ClientEnd{addr: addr, stats: stats, inFlight: make(chan struct{}, maxInFlight)}
}

// Addr is the peer address this end calls.
func (e *ClientEnd) Addr() string { return e.addr }

// Call sends an RPC and waits for its reply; see the package comment.
func (e *ClientEnd) Call(svcMeth string, args interface{}, reply interface{}) bool {
	var argsBuf bytes.Buffer
	if err := labgob.NewEncoder(&argsBuf).Encode(args); err != nil {
		panic(fmt.Sprintf("labrpc: Call(%q): cannot encode the arguments: %v", svcMeth, err))
	}
	e.stats.rpcs.Add(1)
	giveUp := MinGiveUp + time.Duration(rand.Int63n(int64(MaxGiveUp-MinGiveUp)+1))
	if p := e.patience(); p > giveUp {
		giveUp = p
	}
	began := time.Now()
	deadline := began.Add(giveUp)

	if e.disabled.Load() {
		// As the course's tester cuts a killed peer's ends: no reply, after a while.
		time.Sleep(giveUp)
		return false
	}
	resp, ok := e.exchange(svcMeth, argsBuf.Bytes(), began, deadline)
	if !ok {
		// A connection refused, reset or aborted by a cut fails at once on a
		// real network; labrpc's call to a dead or disconnected peer fails
		// only after its long delay, so this one waits its give-up time too.
		time.Sleep(time.Until(deadline))
		return false
	}
	if !resp.OK {
		return false
	}
	if err := labgob.NewDecoder(bytes.NewReader(resp.Reply)).Decode(reply); err != nil {
		fmt.Fprintf(os.Stderr, "labrpc: Call(%q): cannot decode the reply into %T: %v\n", svcMeth, reply, err)
		return false
	}
	return true
}

// exchange sends one request and reads its reply on a connection of the
// peer's (holding one of its slots), before deadline; false: no reply.
func (e *ClientEnd) exchange(svcMeth string, args []byte, began, deadline time.Time) (response, bool) {
	var resp response
	if !e.takeSlot(deadline) {
		return resp, false
	}
	defer func() { <-e.inFlight }()
	conn, err := e.conn(deadline)
	if err != nil {
		return resp, false
	}
	conn.SetDeadline(deadline)
	sent, err := writeFrame(conn, request{SvcMeth: svcMeth, Args: args})
	e.stats.bytesSent.Add(int64(sent))
	if err != nil {
		e.failed(conn)
		return resp, false
	}
	got, err := readFrame(conn, &resp)
	e.stats.bytesReceived.Add(int64(got))
	if err != nil {
		e.failed(conn)
		return resp, false
	}
	e.answered(time.Since(began))
	e.putIdle(conn)
	return resp, true
}

// Disable makes every later Call on e fail, after its give-up time, without
// sending anything: the peer host cuts a killed Raft's ends this way, as the
// course's tester disconnects a crashed peer.
func (e *ClientEnd) Disable() {
	e.disabled.Store(true)
	e.mu.Lock()
	idle := e.idle
	e.idle = nil
	e.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// conn takes an idle connection to the peer or dials a new one.
func (e *ClientEnd) conn(deadline time.Time) (*net.TCPConn, error) {
	e.mu.Lock()
	if n := len(e.idle); n > 0 {
		c := e.idle[n-1]
		e.idle = e.idle[:n-1]
		e.mu.Unlock()
		return c, nil
	}
	e.mu.Unlock()
	d := net.Dialer{Deadline: deadline}
	c, err := d.Dial("tcp", e.addr)
	if err != nil {
		return nil, err
	}
	tcp, ok := c.(*net.TCPConn)
	if !ok {
		c.Close()
		return nil, errors.New("labrpc: not a TCP connection")
	}
	tcp.SetNoDelay(true)
	return tcp, nil
}

// takeSlot waits for one of the peer's maxInFlight slots until deadline; false: none came free in time.
func (e *ClientEnd) takeSlot(deadline time.Time) bool {
	select {
	case e.inFlight <- struct{}{}:
		return true
	default:
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case e.inFlight <- struct{}{}:
		return true
	case <-timer.C:
		return false
	}
}

// answered folds one answered call's time into the estimate (RFC 6298's gains: 1/8 and 1/4).
func (e *ClientEnd) answered(took time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srtt == 0 {
		e.srtt, e.rttvar = took, took/2
		return
	}
	diff := e.srtt - took
	if diff < 0 {
		diff = -diff
	}
	e.rttvar += (diff - e.rttvar) / 4
	e.srtt += (took - e.srtt) / 8
}

// patience is how long a call waits at least: the peer's usual reply time and four deviations, bounded.
func (e *ClientEnd) patience() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.srtt + 4*e.rttvar
	if p > maxPatience {
		p = maxPatience
	}
	return p
}

func (e *ClientEnd) putIdle(c *net.TCPConn) {
	c.SetDeadline(time.Time{})
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.idle) >= maxIdleConns {
		c.Close()
		return
	}
	e.idle = append(e.idle, c)
}

// failed resets c and every idle connection to the peer: a peer that
// failed one call has likely restarted or been cut off, and its other
// connections would each lose a call to find that out.
func (e *ClientEnd) failed(c *net.TCPConn) {
	reset(c)
	e.mu.Lock()
	idle := e.idle
	e.idle = nil
	e.mu.Unlock()
	for _, other := range idle {
		reset(other)
	}
}

// reset closes c with SO_LINGER 0: the kernel drops what is unsent and
// answers the peer with RST, so a request that gave up dies with it.
func reset(c *net.TCPConn) {
	c.SetLinger(0)
	c.Close()
}
