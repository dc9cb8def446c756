// labgrade-overlay: the peer host: one student Raft per process, its
// labrpc server on the RPC port, and the tester's control port.
//
// Invariants: applyCh is always drained (Apply never blocks; messages wait
// in order while no tester is connected), every control request gets
// exactly one reply, and a panic in the student's code answers an error and
// leaves the host running.
package peerhost

import (
	"fmt"
	"net"
	"os"
	"sync"

	"6.5840/labrpc"
)

// Raft is what the host drives: both layouts' Rafts have these methods.
type Raft interface {
	Start(command interface{}) (int, int, bool)
	GetState() (int, bool)
	Snapshot(index int, snapshot []byte)
	Kill()
}

// Host is one peer process.
type Host struct {
	cfg      Config
	stats    *labrpc.Stats
	ends     []*labrpc.ClientEnd
	server   *labrpc.Server
	restored Restored

	streamMu sync.Mutex // held by the one stream writing applies

	mu           sync.Mutex
	raft         Raft
	persistBytes func() int
	applies      [][]byte      // apply lines not yet written to a tester
	applyReady   chan struct{} // a token when applies has grown
	control      *controlConn  // the connected tester, if any
	made         chan struct{} // closed once Make has returned (attach)
}

// New makes a host whose ends call cfg's peers; restored is what the
// Persister held at start (the hello line says it).
func New(cfg Config, restored Restored) *Host {
	h := &Host{
		cfg:        cfg,
		stats:      &labrpc.Stats{},
		server:     labrpc.MakeServer(),
		restored:   restored,
		applyReady: make(chan struct{}, 1),
		made:       make(chan struct{}),
	}
	h.server.SetStats(h.stats)
	for _, addr := range cfg.PeerAddrs {
		h.ends = append(h.ends, labrpc.MakeEnd(addr, h.stats))
	}
	return h
}

// Ends are the peers' ClientEnds for Make, peers[Me] included.
func (h *Host) Ends() []*labrpc.ClientEnd { return h.ends }

// Me is this peer's index.
func (h *Host) Me() int { return h.cfg.Me }

// ListenControl opens the control port and accepts testers from now on; a
// tester's hello comes once Make has returned (Serve), so no request can
// reach a Raft that is not made yet.
func (h *Host) ListenControl() (net.Listener, error) {
	l, err := net.Listen("tcp", h.cfg.ControlAddr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for the tester on %s: %w", h.cfg.ControlAddr, err)
	}
	go h.acceptControl(l)
	return l, nil
}

// ListenRPC opens the port the peers call; connections wait in its
// backlog until Serve.
func (h *Host) ListenRPC() (net.Listener, error) {
	l, err := net.Listen("tcp", h.cfg.RPCAddr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for peers on %s: %w", h.cfg.RPCAddr, err)
	}
	return l, nil
}

// Serve hands the host its Raft and answers the peers' RPCs on l until it
// fails. persistBytes is the Raft state's size (Contract 2's persistBytes).
func (h *Host) Serve(l net.Listener, raft Raft, persistBytes func() int) error {
	h.attach(raft, persistBytes)
	fmt.Fprintf(os.Stderr, "labgrade: peer %d (layout %s) serves peers on %s and the tester on %s\n", h.cfg.Me, h.cfg.Layout, l.Addr(), h.cfg.ControlAddr)
	return h.server.Serve(l)
}

// attach makes raft the one the control port and the RPC server drive.
func (h *Host) attach(raft Raft, persistBytes func() int) {
	h.server.AddService(labrpc.MakeService(raft))
	h.mu.Lock()
	defer h.mu.Unlock()
	h.raft = raft
	h.persistBytes = persistBytes
	close(h.made)
}

// Apply queues m for the tester; it never blocks.
func (h *Host) Apply(m ApplyMsg) {
	line := applyJSON(m)
	h.mu.Lock()
	h.applies = append(h.applies, line)
	h.mu.Unlock()
	select {
	case h.applyReady <- struct{}{}:
	default:
	}
}

// nextApply takes the oldest queued line, if any.
func (h *Host) nextApply() ([]byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.applies) == 0 {
		return nil, false
	}
	line := h.applies[0]
	h.applies[0] = nil
	h.applies = h.applies[1:]
	return line, true
}

// unshiftApply puts back a line a dead connection could not take.
func (h *Host) unshiftApply(line []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.applies = append([][]byte{line}, h.applies...)
}
