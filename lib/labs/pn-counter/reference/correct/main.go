// A PN-counter, the state-based CRDT: for every node, the sum of its positive
// deltas (P) and of its negated negative ones (N). Only a node raises its own
// entries, and entries only grow, so two states merge by taking the larger
// entry each. Every few hundred milliseconds each node sends its whole state
// to every other node; a lost message does no harm, as the next round repeats
// it, so after a partition heals the counts converge. value = ΣP − ΣN.
package main

import (
	"log"
	"sync"
	"time"

	"labgrade.dev/maelstrom"
)

const gossipEvery = 250 * time.Millisecond

// state maps node id to that node's P or N total.
type state struct {
	P map[string]int `json:"p"`
	N map[string]int `json:"n"`
}

type server struct {
	node *maelstrom.Node

	mu sync.Mutex
	st state
}

func main() {
	s := &server{node: maelstrom.NewNode(), st: state{P: map[string]int{}, N: map[string]int{}}}
	s.node.Handle("init", func(maelstrom.Message) error {
		go s.gossipForever()
		return nil
	})
	s.node.Handle("add", func(msg maelstrom.Message) error {
		var body struct {
			Delta int `json:"delta"`
		}
		if err := msg.Decode(&body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		me := s.node.ID()
		s.mu.Lock()
		if body.Delta >= 0 {
			s.st.P[me] += body.Delta
		} else {
			s.st.N[me] -= body.Delta
		}
		s.mu.Unlock()
		return s.node.Reply(msg, map[string]any{"type": "add_ok"})
	})
	s.node.Handle("read", func(msg maelstrom.Message) error {
		s.mu.Lock()
		value := 0
		for _, p := range s.st.P {
			value += p
		}
		for _, n := range s.st.N {
			value -= n
		}
		s.mu.Unlock()
		return s.node.Reply(msg, map[string]any{"type": "read_ok", "value": value})
	})
	s.node.Handle("state", func(msg maelstrom.Message) error {
		var body struct {
			State state `json:"state"`
		}
		if err := msg.Decode(&body); err != nil {
			return err
		}
		s.mu.Lock()
		mergeMax(s.st.P, body.State.P)
		mergeMax(s.st.N, body.State.N)
		s.mu.Unlock()
		return nil // no answer needed: the next round repeats the state
	})
	if err := s.node.Run(); err != nil {
		log.Fatal(err)
	}
}

func mergeMax(into, from map[string]int) {
	for id, v := range from {
		if v > into[id] {
			into[id] = v
		}
	}
}

func (s *server) gossipForever() {
	for range time.Tick(gossipEvery) {
		s.mu.Lock()
		// Copied under the lock: handlers keep changing the maps.
		body := map[string]any{"type": "state", "state": state{P: copyOf(s.st.P), N: copyOf(s.st.N)}}
		s.mu.Unlock()
		for _, peer := range s.node.NodeIDs() {
			if peer != s.node.ID() {
				if err := s.node.Send(peer, body); err != nil {
					s.node.Logf("state to %s: %v", peer, err)
				}
			}
		}
	}
}

func copyOf(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
