// Broadcast that survives partitions: every message a node learns is queued
// for each of its topology neighbours (except the one it came from) and
// re-sent, in batches, until that neighbour acknowledges it. A partition only
// delays delivery: once it heals, the next retry goes through, and the
// neighbour passes the messages on the same way.
package main

import (
	"context"
	"log"
	"sync"
	"time"

	"labgrade.dev/maelstrom"
)

// retryEvery is how often a neighbour's unacknowledged messages are re-sent;
// a batch that gets no answer within it counts as lost.
const retryEvery = 200 * time.Millisecond

type server struct {
	node *maelstrom.Node

	mu       sync.Mutex
	messages map[int]struct{}
	// unacked[neighbour] holds the messages that neighbour has not acknowledged.
	unacked map[string]map[int]struct{}
}

func main() {
	s := &server{node: maelstrom.NewNode(), messages: map[int]struct{}{}, unacked: map[string]map[int]struct{}{}}
	s.node.Handle("topology", s.topology)
	s.node.Handle("broadcast", s.broadcast)
	s.node.Handle("read", s.read)
	s.node.Handle("gossip", s.gossip)
	if err := s.node.Run(); err != nil {
		log.Fatal(err)
	}
}

func (s *server) topology(msg maelstrom.Message) error {
	var body struct {
		Topology map[string][]string `json:"topology"`
	}
	if err := msg.Decode(&body); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
	}
	s.mu.Lock()
	for _, neighbour := range body.Topology[s.node.ID()] {
		if _, known := s.unacked[neighbour]; !known {
			s.unacked[neighbour] = map[int]struct{}{}
			go s.gossipTo(neighbour)
		}
	}
	s.mu.Unlock()
	s.node.Logf("neighbours: %v", body.Topology[s.node.ID()])
	return s.node.Reply(msg, map[string]any{"type": "topology_ok"})
}

func (s *server) broadcast(msg maelstrom.Message) error {
	var body struct {
		Message int `json:"message"`
	}
	if err := msg.Decode(&body); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
	}
	s.learn([]int{body.Message}, "")
	return s.node.Reply(msg, map[string]any{"type": "broadcast_ok"})
}

func (s *server) read(msg maelstrom.Message) error {
	s.mu.Lock()
	messages := make([]int, 0, len(s.messages))
	for m := range s.messages {
		messages = append(messages, m)
	}
	s.mu.Unlock()
	return s.node.Reply(msg, map[string]any{"type": "read_ok", "messages": messages})
}

// gossip receives a neighbour's batch and acknowledges all of it.
func (s *server) gossip(msg maelstrom.Message) error {
	var body struct {
		Messages []int `json:"messages"`
	}
	if err := msg.Decode(&body); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
	}
	s.learn(body.Messages, msg.Src)
	return s.node.Reply(msg, map[string]any{"type": "gossip_ok"})
}

// learn stores new messages and queues them for every neighbour but `from`.
func (s *server) learn(messages []int, from string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range messages {
		if _, seen := s.messages[m]; seen {
			continue
		}
		s.messages[m] = struct{}{}
		for neighbour, queue := range s.unacked {
			if neighbour != from {
				queue[m] = struct{}{}
			}
		}
	}
}

// gossipTo sends one neighbour its unacknowledged messages until the process ends.
func (s *server) gossipTo(neighbour string) {
	for {
		time.Sleep(retryEvery)
		s.mu.Lock()
		batch := make([]int, 0, len(s.unacked[neighbour]))
		for m := range s.unacked[neighbour] {
			batch = append(batch, m)
		}
		s.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), retryEvery)
		_, err := s.node.SyncRPC(ctx, neighbour, map[string]any{"type": "gossip", "messages": batch})
		cancel()
		if err != nil {
			continue // lost (a partition?): the same batch, and more, goes next time
		}
		s.mu.Lock()
		for _, m := range batch {
			delete(s.unacked[neighbour], m)
		}
		s.mu.Unlock()
	}
}
