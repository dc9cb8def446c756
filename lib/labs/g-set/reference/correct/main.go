// A grow-only set as a state-based CRDT: every node keeps the union of all it
// has seen and, every few hundred milliseconds, sends its whole set to every
// other node, which merges it by union. Union is idempotent and commutative,
// so a lost or repeated message does no harm: after a partition heals, the
// next round carries everything across.
package main

import (
	"log"
	"sync"
	"time"

	"labgrade.dev/maelstrom"
)

const gossipEvery = 250 * time.Millisecond

type server struct {
	node *maelstrom.Node

	mu       sync.Mutex
	elements map[int]struct{}
}

func main() {
	s := &server{node: maelstrom.NewNode(), elements: map[int]struct{}{}}
	s.node.Handle("init", func(maelstrom.Message) error {
		go s.gossipForever()
		return nil
	})
	s.node.Handle("add", func(msg maelstrom.Message) error {
		var body struct {
			Element int `json:"element"`
		}
		if err := msg.Decode(&body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		s.merge([]int{body.Element})
		return s.node.Reply(msg, map[string]any{"type": "add_ok"})
	})
	s.node.Handle("read", func(msg maelstrom.Message) error {
		return s.node.Reply(msg, map[string]any{"type": "read_ok", "value": s.snapshot()})
	})
	s.node.Handle("state", func(msg maelstrom.Message) error {
		var body struct {
			Elements []int `json:"elements"`
		}
		if err := msg.Decode(&body); err != nil {
			return err
		}
		s.merge(body.Elements)
		return nil // state messages need no answer: the next round repeats them
	})
	if err := s.node.Run(); err != nil {
		log.Fatal(err)
	}
}

func (s *server) merge(elements []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range elements {
		s.elements[e] = struct{}{}
	}
}

func (s *server) snapshot() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int, 0, len(s.elements))
	for e := range s.elements {
		out = append(out, e)
	}
	return out
}

func (s *server) gossipForever() {
	for range time.Tick(gossipEvery) {
		elements := s.snapshot()
		if len(elements) == 0 {
			continue
		}
		for _, peer := range s.node.NodeIDs() {
			if peer == s.node.ID() {
				continue
			}
			if err := s.node.Send(peer, map[string]any{"type": "state", "elements": elements}); err != nil {
				s.node.Logf("state to %s: %v", peer, err)
			}
		}
	}
}
