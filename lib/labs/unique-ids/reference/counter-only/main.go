// Deliberately broken: every node counts from 1 on its own, so the second
// node to be asked hands out the same ids as the first. The uniqueness
// checker must report the duplicates.
package main

import (
	"log"
	"sync/atomic"

	"labgrade.dev/maelstrom"
)

func main() {
	node := maelstrom.NewNode()
	var counter atomic.Int64
	node.Handle("generate", func(msg maelstrom.Message) error {
		return node.Reply(msg, map[string]any{"type": "generate_ok", "id": counter.Add(1)})
	})
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}
}
