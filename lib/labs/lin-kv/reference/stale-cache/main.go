// Deliberately broken: writes and cas go to the lin-kv service, but each node
// also keeps a copy of every value it has read or written and serves reads
// from that copy without asking again. Once another node changes a key, this
// node keeps answering with the old value: a stale read that no order of the
// operations explains. The linearizability checker must find it.
package main

import (
	"context"
	"encoding/json"
	"log"
	"sync"
	"time"

	"labgrade.dev/maelstrom"
)

type request struct {
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value"`
	From  json.RawMessage `json:"from"`
	To    json.RawMessage `json:"to"`
}

func main() {
	node := maelstrom.NewNode()
	kv := maelstrom.NewLinKV(node)
	var mu sync.Mutex
	cache := map[string]json.RawMessage{} // by the key's JSON text
	remember := func(key, value json.RawMessage) {
		mu.Lock()
		cache[string(key)] = value
		mu.Unlock()
	}
	decode := func(msg maelstrom.Message) (request, context.Context, context.CancelFunc, error) {
		var req request
		if err := msg.Decode(&req); err != nil {
			return req, nil, nil, maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		return req, ctx, cancel, nil
	}
	node.Handle("read", func(msg maelstrom.Message) error {
		req, ctx, cancel, err := decode(msg)
		if err != nil {
			return err
		}
		defer cancel()
		mu.Lock()
		value, cached := cache[string(req.Key)]
		mu.Unlock()
		if !cached {
			if err := kv.ReadInto(ctx, req.Key, &value); err != nil {
				return err
			}
			remember(req.Key, value)
		}
		return node.Reply(msg, map[string]any{"type": "read_ok", "value": value})
	})
	node.Handle("write", func(msg maelstrom.Message) error {
		req, ctx, cancel, err := decode(msg)
		if err != nil {
			return err
		}
		defer cancel()
		if err := kv.Write(ctx, req.Key, req.Value); err != nil {
			return err
		}
		remember(req.Key, req.Value)
		return node.Reply(msg, map[string]any{"type": "write_ok"})
	})
	node.Handle("cas", func(msg maelstrom.Message) error {
		req, ctx, cancel, err := decode(msg)
		if err != nil {
			return err
		}
		defer cancel()
		if err := kv.CompareAndSwap(ctx, req.Key, req.From, req.To, false); err != nil {
			return err
		}
		remember(req.Key, req.To)
		return node.Reply(msg, map[string]any{"type": "cas_ok"})
	})
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}
}
