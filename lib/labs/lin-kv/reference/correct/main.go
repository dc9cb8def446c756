// A linearizable key-value store by delegation: every read, write and cas is
// forwarded to the cluster's lin-kv service, which applies each operation
// atomically at one point between its request and its reply. The service's
// answer, errors included (20 key does not exist, 22 precondition failed),
// goes back to the client unchanged. A request that gets no answer in time
// is reported as a timeout, an indefinite error: it may have taken effect.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"time"

	"labgrade.dev/maelstrom"
)

const serviceTimeout = time.Second

type request struct {
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value"`
	From  json.RawMessage `json:"from"`
	To    json.RawMessage `json:"to"`
}

func main() {
	node := maelstrom.NewNode()
	kv := maelstrom.NewLinKV(node)
	// forward decodes the request, runs op against the service with a
	// deadline and answers with reply, or with the error.
	forward := func(op func(ctx context.Context, req request) (map[string]any, error)) maelstrom.HandlerFunc {
		return func(msg maelstrom.Message) error {
			var req request
			if err := msg.Decode(&req); err != nil {
				return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
			}
			ctx, cancel := context.WithTimeout(context.Background(), serviceTimeout)
			defer cancel()
			reply, err := op(ctx, req)
			if errors.Is(err, context.DeadlineExceeded) {
				return maelstrom.NewRPCError(maelstrom.Timeout, "lin-kv did not answer in time")
			}
			if err != nil {
				return err
			}
			return node.Reply(msg, reply)
		}
	}
	node.Handle("read", forward(func(ctx context.Context, req request) (map[string]any, error) {
		var value json.RawMessage
		if err := kv.ReadInto(ctx, req.Key, &value); err != nil {
			return nil, err
		}
		return map[string]any{"type": "read_ok", "value": value}, nil
	}))
	node.Handle("write", forward(func(ctx context.Context, req request) (map[string]any, error) {
		return map[string]any{"type": "write_ok"}, kv.Write(ctx, req.Key, req.Value)
	}))
	node.Handle("cas", forward(func(ctx context.Context, req request) (map[string]any, error) {
		return map[string]any{"type": "cas_ok"}, kv.CompareAndSwap(ctx, req.Key, req.From, req.To, false)
	}))
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}
}
