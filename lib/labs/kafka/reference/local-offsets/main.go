// Deliberately broken: each node keeps its own logs in memory and hands out
// offsets from its own counters. Two nodes that receive sends to the same key
// both give out offset 0, 1, 2, …, and a poll on one node never sees what was
// sent through another. The kafka checker must catch it.
package main

import (
	"encoding/json"
	"log"
	"sync"

	"labgrade.dev/maelstrom"
)

type server struct {
	node *maelstrom.Node

	mu        sync.Mutex
	logs      map[string][]json.RawMessage
	committed map[string]int
}

func main() {
	s := &server{node: maelstrom.NewNode(), logs: map[string][]json.RawMessage{}, committed: map[string]int{}}
	s.node.Handle("send", func(msg maelstrom.Message) error {
		var body struct {
			Key string          `json:"key"`
			Msg json.RawMessage `json:"msg"`
		}
		if err := msg.Decode(&body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		s.mu.Lock()
		offset := len(s.logs[body.Key])
		s.logs[body.Key] = append(s.logs[body.Key], body.Msg)
		s.mu.Unlock()
		return s.node.Reply(msg, map[string]any{"type": "send_ok", "offset": offset})
	})
	s.node.Handle("poll", func(msg maelstrom.Message) error {
		var body struct {
			Offsets map[string]int `json:"offsets"`
		}
		if err := msg.Decode(&body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		msgs := map[string][][2]any{}
		s.mu.Lock()
		for key, from := range body.Offsets {
			pairs := [][2]any{}
			for offset := max(from, 0); offset < len(s.logs[key]); offset++ {
				pairs = append(pairs, [2]any{offset, s.logs[key][offset]})
			}
			msgs[key] = pairs
		}
		s.mu.Unlock()
		return s.node.Reply(msg, map[string]any{"type": "poll_ok", "msgs": msgs})
	})
	s.node.Handle("commit_offsets", func(msg maelstrom.Message) error {
		var body struct {
			Offsets map[string]int `json:"offsets"`
		}
		if err := msg.Decode(&body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		s.mu.Lock()
		for key, offset := range body.Offsets {
			s.committed[key] = max(s.committed[key], offset)
		}
		s.mu.Unlock()
		return s.node.Reply(msg, map[string]any{"type": "commit_offsets_ok"})
	})
	s.node.Handle("list_committed_offsets", func(msg maelstrom.Message) error {
		var body struct {
			Keys []string `json:"keys"`
		}
		if err := msg.Decode(&body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		offsets := map[string]int{}
		s.mu.Lock()
		for _, key := range body.Keys {
			if offset, ok := s.committed[key]; ok {
				offsets[key] = offset
			}
		}
		s.mu.Unlock()
		return s.node.Reply(msg, map[string]any{"type": "list_committed_offsets_ok", "offsets": offsets})
	})
	if err := s.node.Run(); err != nil {
		log.Fatal(err)
	}
}
