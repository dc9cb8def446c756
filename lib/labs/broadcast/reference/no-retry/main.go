// Deliberately broken: gossip is fire-and-forget. Each node passes a new
// message to its neighbours once and never again, so whatever is sent across
// a partition is dropped on the wire and the other side never hears of it,
// even long after the partition heals. The checker must report lost messages.
package main

import (
	"log"
	"sync"

	"labgrade.dev/maelstrom"
)

type server struct {
	node *maelstrom.Node

	mu         sync.Mutex
	messages   map[int]struct{}
	neighbours []string
}

func main() {
	s := &server{node: maelstrom.NewNode(), messages: map[int]struct{}{}}
	s.node.Handle("topology", func(msg maelstrom.Message) error {
		var body struct {
			Topology map[string][]string `json:"topology"`
		}
		if err := msg.Decode(&body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		s.mu.Lock()
		s.neighbours = body.Topology[s.node.ID()]
		s.mu.Unlock()
		return s.node.Reply(msg, map[string]any{"type": "topology_ok"})
	})
	s.node.Handle("broadcast", func(msg maelstrom.Message) error {
		var body struct {
			Message int `json:"message"`
		}
		if err := msg.Decode(&body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		s.spread(body.Message, "")
		return s.node.Reply(msg, map[string]any{"type": "broadcast_ok"})
	})
	s.node.Handle("gossip", func(msg maelstrom.Message) error {
		var body struct {
			Message int `json:"message"`
		}
		if err := msg.Decode(&body); err != nil {
			return err
		}
		s.spread(body.Message, msg.Src)
		return nil // no acknowledgement: nobody would retry anyway
	})
	s.node.Handle("read", func(msg maelstrom.Message) error {
		s.mu.Lock()
		messages := make([]int, 0, len(s.messages))
		for m := range s.messages {
			messages = append(messages, m)
		}
		s.mu.Unlock()
		return s.node.Reply(msg, map[string]any{"type": "read_ok", "messages": messages})
	})
	if err := s.node.Run(); err != nil {
		log.Fatal(err)
	}
}

// spread stores a new message and sends it once to every neighbour but `from`.
func (s *server) spread(message int, from string) {
	s.mu.Lock()
	_, seen := s.messages[message]
	s.messages[message] = struct{}{}
	neighbours := s.neighbours
	s.mu.Unlock()
	if seen {
		return
	}
	for _, neighbour := range neighbours {
		if neighbour != from {
			if err := s.node.Send(neighbour, map[string]any{"type": "gossip", "message": message}); err != nil {
				s.node.Logf("gossip to %s: %v", neighbour, err)
			}
		}
	}
}
