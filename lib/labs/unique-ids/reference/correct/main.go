// Unique ids without coordination: an id is this node's id, the moment this
// process started and a counter. Node ids are unique in the cluster, the start
// time tells a restarted process from its earlier life, and the counter only
// grows, so no two ids are ever equal and no message is needed.
package main

import (
	"fmt"
	"log"
	"sync/atomic"
	"time"

	"labgrade.dev/maelstrom"
)

func main() {
	node := maelstrom.NewNode()
	bootNanos := time.Now().UnixNano()
	var counter atomic.Int64
	node.Handle("generate", func(msg maelstrom.Message) error {
		id := fmt.Sprintf("%s-%d-%d", node.ID(), bootNanos, counter.Add(1))
		return node.Reply(msg, map[string]any{"type": "generate_ok", "id": id})
	})
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}
}
