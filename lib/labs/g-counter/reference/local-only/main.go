// Deliberately broken: each node counts only the adds it received itself and
// reads return that local count, so every read misses the other nodes' adds.
// The counter checker must find final reads below the acknowledged total.
package main

import (
	"log"
	"sync/atomic"

	"labgrade.dev/maelstrom"
)

func main() {
	node := maelstrom.NewNode()
	var count atomic.Int64
	node.Handle("add", func(msg maelstrom.Message) error {
		var body struct {
			Delta int64 `json:"delta"`
		}
		if err := msg.Decode(&body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		count.Add(body.Delta)
		return node.Reply(msg, map[string]any{"type": "add_ok"})
	})
	node.Handle("read", func(msg maelstrom.Message) error {
		return node.Reply(msg, map[string]any{"type": "read_ok", "value": count.Load()})
	})
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}
}
