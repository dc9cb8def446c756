// shaper: the userspace packet scheduler of a node's network namespace, for
// hosts whose kernel has no netem. It runs in the node's netctl sidecar (which
// holds NET_ADMIN; the node never does): the sidecar's firewall sends the
// node's outgoing packets to its peers into netfilter queue 0, and the shaper
// releases each one after its delay (plan.go), drops the ones a partition
// cuts, and re-injects duplicates. Real packets are held on the real network
// path, never in our agent, so native-mode programs get the same network.
// Releases are timed with a timerfd (timer.go) and started early by our own
// measured release time, so a packet's delay is the one drawn within a
// fraction of a millisecond (bench/shaper-accuracy.ts).
//
//	shaper serve            bind the queue, listen on the control socket, run
//	shaper set '<config>'   replace the configuration (plan.go's Config, JSON)
//	shaper stats            what it did so far, as JSON
//
// Honest faults: a packet to a destination that is cut is dropped, and so is
// every packet to it still held when the cut starts; a heal releases nothing
// that was dropped. Every packet the kernel hands over gets exactly one
// verdict; what the kernel itself dropped (queue full, ENOBUFS) and what we
// could not send back are counted.
package main

import (
	"bufio"
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ControlSocket is where `set` and `stats` reach the running shaper.
const ControlSocket = "/run/labgrade-shaper.sock"

// DuplicateMark marks re-injected copies so the firewall lets them pass unqueued and uncounted.
const DuplicateMark = 0x5a17

const (
	queueNum       = 0
	wholePacket    = 0xffff
	defaultMTU     = 1500
	maxHeld        = 100000
	lateSamplesCap = 200000
	// maxCompensation bounds how much earlier than due a packet is released (release()).
	maxCompensation = 2 * time.Millisecond
	// maxHeldBytes bounds the copies held (the sidecar's memory is small); past it, packets are held in the kernel.
	maxHeldBytes = 16 << 20
)

// A packet the shaper holds. Most are held as a copy (copied): the kernel's
// own packet is dropped at once and the copy re-injected when due, so the
// sending socket is not charged for it meanwhile (held in the kernel, a
// node's socket buffer fills within a few hundred milliseconds of delay and
// its sends stall, as they would not on a real link; netem orphans its
// packets for the same reason). A packet that is not whole or is larger than
// the interface's MTU (raw sockets do not fragment) is held in the kernel
// instead, and given its verdict when due.
type heldPacket struct {
	id        uint32
	dst       string
	releaseAt time.Time
	duplicate bool
	copied    bool
	payload   []byte
}

type releaseOrder []*heldPacket

func (h releaseOrder) Len() int           { return len(h) }
func (h releaseOrder) Less(i, j int) bool { return h[i].releaseAt.Before(h[j].releaseAt) }
func (h releaseOrder) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *releaseOrder) Push(x any)        { *h = append(*h, x.(*heldPacket)) }
func (h *releaseOrder) Pop() any {
	old := *h
	p := old[len(old)-1]
	*h = old[:len(old)-1]
	return p
}

// Stats is what `shaper stats` prints.
type Stats struct {
	Received   uint64 `json:"received"`
	Passed     uint64 `json:"passed"`
	Delayed    uint64 `json:"delayed"`
	Released   uint64 `json:"released"`
	Reordered  uint64 `json:"reordered"`
	Duplicated uint64 `json:"duplicated"`
	// HeldInKernel: packets held as the kernel's own (not whole, or larger than the MTU).
	HeldInKernel uint64 `json:"heldInKernel"`
	// DroppedReinject: copies the kernel refused to take back when due (lost by us).
	DroppedReinject uint64 `json:"droppedReinject"`
	// DuplicateFailed: copies decided but not sent (the packet was held in the kernel, or the
	// kernel refused the copy).
	DuplicateFailed uint64 `json:"duplicateFailed"`
	DroppedCut      uint64 `json:"droppedCut"`
	DroppedHeld     uint64 `json:"droppedHeld"`
	DroppedFull     uint64 `json:"droppedFull"`
	HeldNow         int    `json:"heldNow"`
	HeldMax         int    `json:"heldMax"`
	ReadErrors      uint64 `json:"readErrors"`
	// CPUUs: the scheduler's own CPU time (user and system) so far, microseconds.
	CPUUs int64 `json:"cpuUs"`
	// CompensationUs: how much earlier than due packets are released now (release()).
	CompensationUs int64  `json:"compensationUs"`
	NoBuffers      uint64 `json:"noBuffers"`
	VerdictErrors  uint64 `json:"verdictErrors"`
	// LateUs: how long after its release time each delayed packet was released (our own added delay).
	LateUs map[string]float64 `json:"lateUs"`
	// Kernel: the queue's own counters (/proc/net/netfilter/nfnetlink_queue): packets it dropped itself.
	Kernel map[string]uint64 `json:"kernel"`
}

type shaper struct {
	mu    sync.Mutex
	cfg   Config
	held  releaseOrder
	timer *precisionTimer
	queue *Queue
	raw   int
	mtu   int
	rng   *rand.Rand
	stats Stats
	// compensation: how much earlier than due packets are released (release()).
	compensation time.Duration
	// heldBytes: the bytes of the copies held.
	heldBytes int
	late      []float64
}

func destination(payload []byte) (string, bool) {
	if len(payload) < 20 || payload[0]>>4 != 4 {
		return "", false
	}
	return net.IP(payload[16:20]).String(), true
}

func (s *shaper) verdict(id uint32, accept bool) {
	if err := s.queue.Verdict(id, accept); err != nil {
		s.stats.VerdictErrors++
	}
}

func (s *shaper) onPacket(p Packet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Received++
	dst, ok := destination(p.Payload)
	shape, shaped := s.cfg.ShapeFor(dst)
	cut := ok && s.cfg.IsCut(dst)
	if !ok || (!shaped && !cut) {
		s.stats.Passed++
		s.verdict(p.ID, true)
		return
	}
	d := Decide(shape.ForPacket(p.Payload), cut, s.rng)
	if d.Drop {
		s.stats.DroppedCut++
		s.verdict(p.ID, false)
		return
	}
	if d.Reordered {
		s.stats.Reordered++
	}
	if d.DelayMs == 0 && !d.Duplicate {
		s.stats.Passed++
		s.verdict(p.ID, true)
		return
	}
	if len(s.held) >= maxHeld {
		// Counted and reported, never silent: the bench shows where this starts.
		s.stats.DroppedFull++
		s.verdict(p.ID, false)
		return
	}
	// Released early by what our own release usually costs (compensation), so
	// the packet's delay on the wire is the one drawn; never before it arrived.
	hold := time.Duration(d.DelayMs*float64(time.Millisecond)) - s.compensation
	if hold < 0 {
		hold = 0
	}
	h := &heldPacket{id: p.ID, dst: dst, releaseAt: time.Now().Add(hold), duplicate: d.Duplicate}
	if whole(p.Payload) && len(p.Payload) <= s.mtu && s.heldBytes+len(p.Payload) <= maxHeldBytes {
		h.copied = true
		h.payload = p.Payload
		s.heldBytes += len(p.Payload)
		s.verdict(p.ID, false)
	} else {
		s.stats.HeldInKernel++
		if h.duplicate {
			// Only a copy can be sent twice.
			h.duplicate = false
			s.stats.DuplicateFailed++
		}
	}
	heap.Push(&s.held, h)
	s.stats.Delayed++
	if len(s.held) > s.stats.HeldMax {
		s.stats.HeldMax = len(s.held)
	}
	if s.held[0] == h {
		s.timer.Arm(hold)
	}
}

// release sends on every held packet that is due, and arms the timer for the next.
func (s *shaper) release(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.held) > 0 {
		next := s.held[0]
		if wait := next.releaseAt.Sub(now); wait > 0 {
			s.timer.Arm(wait)
			return
		}
		heap.Pop(&s.held)
		if next.copied {
			if s.inject(next) {
				s.stats.Released++
			} else {
				s.stats.DroppedReinject++
			}
			s.heldBytes -= len(next.payload)
		} else {
			s.verdict(next.id, true)
			s.stats.Released++
		}
		if next.duplicate {
			if s.inject(next) {
				s.stats.Duplicated++
			} else {
				s.stats.DuplicateFailed++
			}
		}
		late := now.Sub(next.releaseAt)
		if len(s.late) < lateSamplesCap {
			s.late = append(s.late, float64(late.Microseconds()))
		} else {
			s.late[s.rng.IntN(lateSamplesCap)] = float64(late.Microseconds())
		}
		// A slow average of how late releases are (timer wake-up, scheduling, the
		// packet's way back into the kernel), bounded: the early start of the next ones.
		s.compensation += (min(late, maxCompensation) - s.compensation) / 16
	}
	s.timer.Arm(time.Hour)
}

// inject sends the held copy of a packet (its whole IP datagram) on a raw
// socket, marked so it is neither queued nor counted again.
func (s *shaper) inject(p *heldPacket) bool {
	ip := net.ParseIP(p.dst).To4()
	if ip == nil || len(p.payload) < 20 {
		return false
	}
	addr := syscall.SockaddrInet4{}
	copy(addr.Addr[:], ip)
	return syscall.Sendto(s.raw, p.payload, 0, &addr) == nil
}

// whole says whether the copied bytes are the whole IP datagram (its total length field).
func whole(payload []byte) bool {
	return len(payload) >= 20 && int(payload[2])<<8|int(payload[3]) == len(payload)
}

func (s *shaper) schedule() {
	for {
		s.timer.Wait()
		s.release(time.Now())
	}
}

// configure replaces the configuration; packets held for a destination now cut are dropped.
func (s *shaper) configure(cfg Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg = cfg
	kept := s.held[:0]
	for _, h := range s.held {
		if cfg.IsCut(h.dst) {
			if !h.copied {
				s.verdict(h.id, false)
			}
			s.stats.DroppedHeld++
			s.heldBytes -= len(h.payload)
			continue
		}
		kept = append(kept, h)
	}
	s.held = kept
	heap.Init(&s.held)
	// The next due packet may be a later one now: the timer finds out when it fires.
	return nil
}

// interfaceMTU is the largest packet the interface sends unfragmented (what a raw socket can send).
func interfaceMTU(name string) int {
	data, err := os.ReadFile("/sys/class/net/" + name + "/mtu")
	if err != nil {
		return defaultMTU
	}
	var mtu int
	if _, err := fmt.Sscan(strings.TrimSpace(string(data)), &mtu); err != nil || mtu < 576 {
		return defaultMTU
	}
	return mtu
}

func quantiles(samples []float64) map[string]float64 {
	if len(samples) == 0 {
		return map[string]float64{}
	}
	sorted := append([]float64(nil), samples...)
	sort.Float64s(sorted)
	at := func(q float64) float64 { return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))] }
	return map[string]float64{"p50": at(0.5), "p99": at(0.99), "max": sorted[len(sorted)-1], "samples": float64(len(sorted))}
}

// kernelCounters reads this namespace's queue counters: queue number, peer, waiting, copy mode, range, queue_dropped, user_dropped, last id, 1.
func kernelCounters() map[string]uint64 {
	out := map[string]uint64{}
	data, err := os.ReadFile("/proc/net/netfilter/nfnetlink_queue")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) >= 7 && f[0] == fmt.Sprint(queueNum) {
			var waiting, queueDropped, userDropped uint64
			fmt.Sscan(f[2], &waiting)
			fmt.Sscan(f[5], &queueDropped)
			fmt.Sscan(f[6], &userDropped)
			out["waiting"] = waiting
			out["queueDropped"] = queueDropped
			out["userDropped"] = userDropped
		}
	}
	return out
}

func (s *shaper) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.HeldNow = len(s.held)
	st.LateUs = quantiles(s.late)
	st.Kernel = kernelCounters()
	st.CompensationUs = s.compensation.Microseconds()
	var usage syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &usage) == nil {
		st.CPUUs = usage.Utime.Nano()/1000 + usage.Stime.Nano()/1000
	}
	return st
}

func (s *shaper) readLoop() {
	for {
		err := s.queue.Read(s.onPacket)
		if err == nil {
			continue
		}
		s.mu.Lock()
		if errors.Is(err, syscall.ENOBUFS) {
			s.stats.NoBuffers++
		} else {
			s.stats.ReadErrors++
		}
		s.mu.Unlock()
		if !errors.Is(err, syscall.ENOBUFS) && !errors.Is(err, syscall.EINTR) {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

type request struct {
	Set   *Config `json:"set,omitempty"`
	Stats bool    `json:"stats,omitempty"`
}

func (s *shaper) serveControl(conn net.Conn) {
	defer conn.Close()
	var req request
	if err := json.NewDecoder(bufio.NewReader(conn)).Decode(&req); err != nil {
		fmt.Fprintf(conn, "{\"error\":%q}\n", err.Error())
		return
	}
	if req.Set != nil {
		if err := s.configure(*req.Set); err != nil {
			fmt.Fprintf(conn, "{\"error\":%q}\n", err.Error())
			return
		}
	}
	_ = json.NewEncoder(conn).Encode(s.snapshot())
}

func serve() error {
	// Whole packets: most are held as copies (heldPacket).
	queue, err := OpenQueue(queueNum, wholePacket, maxHeld)
	if err != nil {
		return err
	}
	raw, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_RAW)
	if err != nil {
		return fmt.Errorf("raw socket (to send held copies): %w", err)
	}
	if err := syscall.SetsockoptInt(raw, syscall.SOL_SOCKET, syscall.SO_MARK, DuplicateMark); err != nil {
		return fmt.Errorf("marking copies: %w", err)
	}
	timer, err := newPrecisionTimer()
	if err != nil {
		return fmt.Errorf("timerfd: %w", err)
	}
	s := &shaper{queue: queue, raw: raw, timer: timer, mtu: interfaceMTU("eth0"), rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(os.Getpid())))}
	_ = os.Remove(ControlSocket)
	listener, err := net.Listen("unix", ControlSocket)
	if err != nil {
		return err
	}
	go s.readLoop()
	go s.schedule()
	fmt.Println("ready")
	for {
		conn, err := listener.Accept()
		if err != nil {
			return err
		}
		go s.serveControl(conn)
	}
}

func call(req request) error {
	conn, err := net.DialTimeout("unix", ControlSocket, 5*time.Second)
	if err != nil {
		return fmt.Errorf("the shaper is not running: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return err
	}
	answer, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.HasPrefix(answer, "{\"error\"") {
		return errors.New(strings.TrimSpace(answer))
	}
	fmt.Print(answer)
	return nil
}

func main() {
	var err error
	switch {
	case len(os.Args) == 2 && os.Args[1] == "serve":
		err = serve()
	case len(os.Args) == 3 && os.Args[1] == "set":
		var cfg Config
		if err = json.Unmarshal([]byte(os.Args[2]), &cfg); err == nil {
			err = call(request{Set: &cfg})
		}
	case len(os.Args) == 2 && os.Args[1] == "stats":
		err = call(request{Stats: true})
	default:
		err = errors.New("usage: shaper serve | shaper set '<json>' | shaper stats")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "shaper:", err)
		os.Exit(1)
	}
}
