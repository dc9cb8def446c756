// What the shaper does with one packet, as a pure function of the link's
// shape and a seeded random stream: drop it (its link is cut), or release it
// after a delay, perhaps with a duplicate. Kept apart from the netlink code so
// it is tested on its own (plan_test.go).
package main

import (
	"math"
	"math/rand/v2"
)

// Shape is one link's behaviour (or every link's, as the default).
type Shape struct {
	// DelayMs is the mean one-way delay added to every packet, in milliseconds.
	DelayMs float64 `json:"delayMs"`
	// Distribution of the delay around DelayMs: "constant" (exactly DelayMs),
	// "uniform" (0 to 2·DelayMs) or "exponential" (mean DelayMs), as
	// Maelstrom's --latency-dist.
	Distribution string `json:"distribution"`
	// JitterMs widens each delay by a uniform ±JitterMs (never below 0).
	JitterMs float64 `json:"jitterMs"`
	// ReorderPercent of packets are released at once instead of after their
	// delay, overtaking the packets held before them (netem's reorder).
	ReorderPercent float64 `json:"reorderPercent"`
	// DuplicatePercent of packets are released twice.
	DuplicatePercent float64 `json:"duplicatePercent"`
	// Replies, when set, shapes instead the TCP segments that carry data from
	// its source port (a server's replies, labrpc's long reordering) and lets
	// the link's other packets through as this shape says.
	Replies *RepliesShape `json:"replies,omitempty"`
}

// RepliesShape is the shape of the data a server sends from one port.
type RepliesShape struct {
	SourcePort int   `json:"sourcePort"`
	Shape      Shape `json:"shape"`
}

// ForPacket is the shape that applies to one packet of the link: its replies'
// when the packet is a TCP segment with data from the replies' source port.
func (s Shape) ForPacket(payload []byte) Shape {
	if s.Replies == nil {
		return s
	}
	if port, hasData := tcpSourcePort(payload); hasData && port == s.Replies.SourcePort {
		return s.Replies.Shape
	}
	plain := s
	plain.Replies = nil
	return plain
}

// tcpSourcePort reads an IPv4 TCP segment's source port, and whether it
// carries data (not a bare SYN, ACK or FIN); false for anything else.
func tcpSourcePort(ip []byte) (int, bool) {
	if len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != 6 {
		return 0, false
	}
	ihl := int(ip[0]&0x0f) * 4
	total := int(ip[2])<<8 | int(ip[3])
	if total > len(ip) {
		total = len(ip)
	}
	if ihl < 20 || total < ihl+20 {
		return 0, false
	}
	tcp := ip[ihl:total]
	offset := int(tcp[12]>>4) * 4
	if offset < 20 || offset > len(tcp) {
		return 0, false
	}
	return int(tcp[0])<<8 | int(tcp[1]), len(tcp) > offset
}

// Decision is what happens to one packet.
type Decision struct {
	Drop      bool
	DelayMs   float64
	Duplicate bool
	Reordered bool
}

// Decide draws one packet's fate on a link of this shape.
func Decide(shape Shape, cut bool, rng *rand.Rand) Decision {
	if cut {
		return Decision{Drop: true}
	}
	d := Decision{}
	switch shape.Distribution {
	case "uniform":
		d.DelayMs = rng.Float64() * 2 * shape.DelayMs
	case "exponential":
		d.DelayMs = rng.ExpFloat64() * shape.DelayMs
	default:
		d.DelayMs = shape.DelayMs
	}
	if shape.JitterMs > 0 {
		d.DelayMs += (rng.Float64()*2 - 1) * shape.JitterMs
	}
	d.DelayMs = math.Max(0, d.DelayMs)
	if shape.ReorderPercent > 0 && rng.Float64()*100 < shape.ReorderPercent {
		d.DelayMs = 0
		d.Reordered = true
	}
	if shape.DuplicatePercent > 0 && rng.Float64()*100 < shape.DuplicatePercent {
		d.Duplicate = true
	}
	return d
}

// Config is the whole shaping of one node's outgoing packets.
type Config struct {
	// Default applies to every destination without a shape of its own; nil: none.
	Default *Shape `json:"default"`
	// Links by destination address (a one-way shape from this node to that peer).
	Links map[string]Shape `json:"links"`
	// Cut lists destinations a partition cuts this node off from: their packets
	// are dropped, also those already held.
	Cut []string `json:"cut"`
}

// ShapeFor is the shape of the link to dst, and whether there is one.
func (c *Config) ShapeFor(dst string) (Shape, bool) {
	if s, ok := c.Links[dst]; ok {
		return s, true
	}
	if c.Default != nil {
		return *c.Default, true
	}
	return Shape{}, false
}

// IsCut says whether packets to dst are dropped.
func (c *Config) IsCut(dst string) bool {
	for _, d := range c.Cut {
		if d == dst {
			return true
		}
	}
	return false
}
