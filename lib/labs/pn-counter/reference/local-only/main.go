// Deliberately broken: each node sums only the deltas (positive or negative)
// it received itself and reads return that local sum, so every read misses
// the other nodes' increments and decrements. The counter checker must find
// final reads outside the bounds the acknowledged adds allow.
package main

import (
	"log"
	"sync/atomic"

	"labgrade.dev/maelstrom"
)

func main() {
	node := maelstrom.NewNode()
	var sum atomic.Int64
	node.Handle("add", func(msg maelstrom.Message) error {
		var body struct {
			Delta int64 `json:"delta"`
		}
		if err := msg.Decode(&body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		sum.Add(body.Delta)
		return node.Reply(msg, map[string]any{"type": "add_ok"})
	})
	node.Handle("read", func(msg maelstrom.Message) error {
		return node.Reply(msg, map[string]any{"type": "read_ok", "value": sum.Load()})
	})
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}
}
