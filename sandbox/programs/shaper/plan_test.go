package main

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func draws(shape Shape, n int) []Decision {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]Decision, n)
	for i := range out {
		out[i] = Decide(shape, false, rng)
	}
	return out
}

func meanDelay(ds []Decision) float64 {
	sum := 0.0
	for _, d := range ds {
		sum += d.DelayMs
	}
	return sum / float64(len(ds))
}

func TestConstantDelayIsExact(t *testing.T) {
	for _, d := range draws(Shape{DelayMs: 100, Distribution: "constant"}, 1000) {
		if d.DelayMs != 100 || d.Drop || d.Duplicate || d.Reordered {
			t.Fatalf("constant 100 ms gave %+v", d)
		}
	}
}

func TestDistributionsHaveTheMeanAsked(t *testing.T) {
	for _, dist := range []string{"uniform", "exponential"} {
		ds := draws(Shape{DelayMs: 50, Distribution: dist}, 200000)
		if m := meanDelay(ds); math.Abs(m-50) > 1 {
			t.Errorf("%s: mean %.2f ms, want 50", dist, m)
		}
		delays := make([]float64, len(ds))
		for i, d := range ds {
			delays[i] = d.DelayMs
		}
		sort.Float64s(delays)
		if delays[0] < 0 {
			t.Errorf("%s: a negative delay", dist)
		}
		if dist == "uniform" && delays[len(delays)-1] > 100 {
			t.Errorf("uniform: a delay over twice the mean: %.2f", delays[len(delays)-1])
		}
		// The exponential's median is ln 2 × mean.
		if dist == "exponential" {
			if med := delays[len(delays)/2]; math.Abs(med-50*math.Ln2) > 1 {
				t.Errorf("exponential: median %.2f, want %.2f", med, 50*math.Ln2)
			}
		}
	}
}

func TestJitterStaysWithinItsBoundsAndNeverNegative(t *testing.T) {
	for _, d := range draws(Shape{DelayMs: 10, JitterMs: 15}, 10000) {
		if d.DelayMs < 0 || d.DelayMs > 25 {
			t.Fatalf("10 ± 15 ms gave %.2f", d.DelayMs)
		}
	}
}

func TestReorderAndDuplicateShares(t *testing.T) {
	ds := draws(Shape{DelayMs: 100, ReorderPercent: 20, DuplicatePercent: 5}, 100000)
	reordered, duplicated := 0, 0
	for _, d := range ds {
		if d.Reordered {
			reordered++
			if d.DelayMs != 0 {
				t.Fatalf("a reordered packet is released at once, got %.2f ms", d.DelayMs)
			}
		}
		if d.Duplicate {
			duplicated++
		}
	}
	if r := float64(reordered) / 1000; math.Abs(r-20) > 0.5 {
		t.Errorf("reordered %.2f %%, want 20", r)
	}
	if r := float64(duplicated) / 1000; math.Abs(r-5) > 0.3 {
		t.Errorf("duplicated %.2f %%, want 5", r)
	}
}

func TestCutLinksDropEverything(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	if d := Decide(Shape{DelayMs: 5, DuplicatePercent: 100}, true, rng); !d.Drop || d.Duplicate {
		t.Fatalf("a cut link must drop, got %+v", d)
	}
	c := Config{Default: &Shape{DelayMs: 1}, Links: map[string]Shape{"198.18.0.11": {DelayMs: 9}}, Cut: []string{"198.18.0.12"}}
	if s, _ := c.ShapeFor("198.18.0.11"); s.DelayMs != 9 {
		t.Errorf("the link's own shape wins over the default")
	}
	if s, ok := c.ShapeFor("198.18.0.13"); !ok || s.DelayMs != 1 {
		t.Errorf("other links take the default")
	}
	if !c.IsCut("198.18.0.12") || c.IsCut("198.18.0.11") {
		t.Errorf("cut set")
	}
}

// segment builds an IPv4 TCP segment from srcPort with n bytes of data.
func segment(srcPort int, n int) []byte {
	ip := make([]byte, 20+20+n)
	ip[0] = 0x45
	total := len(ip)
	ip[2], ip[3] = byte(total>>8), byte(total)
	ip[9] = 6
	tcp := ip[20:]
	tcp[0], tcp[1] = byte(srcPort>>8), byte(srcPort)
	tcp[12] = 5 << 4
	return ip
}

func TestRepliesShapeOnlyDataFromItsSourcePort(t *testing.T) {
	slow := Shape{DelayMs: 1200}
	link := Shape{DelayMs: 13, Replies: &RepliesShape{SourcePort: 7000, Shape: slow}}
	if got := link.ForPacket(segment(7000, 100)); got.DelayMs != 1200 || got.Replies != nil {
		t.Fatalf("a reply's data got %+v, want the replies' shape", got)
	}
	if got := link.ForPacket(segment(7000, 0)); got.DelayMs != 13 || got.Replies != nil {
		t.Fatalf("a bare ACK or SYN-ACK from the port got %+v, want the link's own shape", got)
	}
	if got := link.ForPacket(segment(40001, 100)); got.DelayMs != 13 {
		t.Fatalf("a request from another port got %+v, want the link's own shape", got)
	}
	udp := segment(7000, 100)
	udp[9] = 17
	if got := link.ForPacket(udp); got.DelayMs != 13 {
		t.Fatalf("a UDP datagram got %+v, want the link's own shape", got)
	}
	if got := link.ForPacket([]byte{0x45, 0}); got.DelayMs != 13 {
		t.Fatalf("a cut-short packet got %+v", got)
	}
}
