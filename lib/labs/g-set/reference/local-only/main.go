// Deliberately broken: each node keeps the elements added through it and
// never tells anyone, so a read on one node misses every element added on the
// others. The checker must report elements that never reached every node.
package main

import (
	"log"
	"sync"

	"labgrade.dev/maelstrom"
)

func main() {
	node := maelstrom.NewNode()
	var mu sync.Mutex
	elements := []int{}
	node.Handle("add", func(msg maelstrom.Message) error {
		var body struct {
			Element int `json:"element"`
		}
		if err := msg.Decode(&body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		mu.Lock()
		elements = append(elements, body.Element)
		mu.Unlock()
		return node.Reply(msg, map[string]any{"type": "add_ok"})
	})
	node.Handle("read", func(msg maelstrom.Message) error {
		mu.Lock()
		value := append([]int{}, elements...)
		mu.Unlock()
		return node.Reply(msg, map[string]any{"type": "read_ok", "value": value})
	})
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}
}
