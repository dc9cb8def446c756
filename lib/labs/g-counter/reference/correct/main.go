// A grow-only counter kept in the cluster's lin-kv service: each node owns
// one key, "count-<node id>", that only it writes, holding the sum of the adds
// it acknowledged. A read sums every node's key. Because each key has a
// single writer that writes whole totals, a retried or repeated write is
// harmless, and the service (reachable from every node, whatever the
// partition between nodes) makes every acknowledged add visible to every read.
package main

import (
	"context"
	"errors"
	"log"
	"sync"
	"time"

	"labgrade.dev/maelstrom"
)

// attemptTimeout bounds one request to the service; a request or reply lost
// on the way is retried after it.
const attemptTimeout = 500 * time.Millisecond

type server struct {
	node *maelstrom.Node
	kv   *maelstrom.KV

	// mu serialises adds, so totals reach the service in increasing order.
	mu     sync.Mutex
	loaded bool // whether total holds this node's key (it survives a restart)
	total  int
}

func main() {
	node := maelstrom.NewNode()
	s := &server{node: node, kv: maelstrom.NewLinKV(node)}
	node.Handle("add", s.add)
	node.Handle("read", s.read)
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}
}

func countKey(node string) string { return "count-" + node }

func (s *server) add(msg maelstrom.Message) error {
	var body struct {
		Delta int `json:"delta"`
	}
	if err := msg.Decode(&body); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		total, err := s.readCount(s.node.ID())
		if err != nil {
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, err.Error())
		}
		s.total, s.loaded = total, true
	}
	total := s.total + body.Delta
	// Retry until the service has the new total: the client's own timeout
	// decides when to stop waiting for us.
	for {
		ctx, cancel := context.WithTimeout(context.Background(), attemptTimeout)
		err := s.kv.Write(ctx, countKey(s.node.ID()), total)
		cancel()
		if err == nil {
			break
		}
		s.node.Logf("writing my count: %v (retrying)", err)
	}
	s.total = total
	return s.node.Reply(msg, map[string]any{"type": "add_ok"})
}

func (s *server) read(msg maelstrom.Message) error {
	sum := 0
	for _, id := range s.node.NodeIDs() {
		count, err := s.readCount(id)
		if err != nil {
			// A read has no effect, so giving up is a definite failure.
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, err.Error())
		}
		sum += count
	}
	return s.node.Reply(msg, map[string]any{"type": "read_ok", "value": sum})
}

// readCount returns a node's count in the service (0 before its first add).
func (s *server) readCount(id string) (int, error) {
	var lastErr error
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), attemptTimeout)
		count, err := s.kv.ReadInt(ctx, countKey(id))
		cancel()
		if maelstrom.ErrorCode(err) == maelstrom.KeyDoesNotExist {
			return 0, nil
		}
		if err == nil {
			return count, nil
		}
		lastErr = err
	}
	return 0, errors.Join(errors.New("the lin-kv service did not answer"), lastErr)
}
