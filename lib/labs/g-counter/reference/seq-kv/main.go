// A grow-only counter kept in the cluster's seq-kv service, which is only
// sequentially consistent: a node sees its own writes in order, but its reads
// of keys other nodes write may return old values (Maelstrom's seq-kv does
// this, and so does ours). Each node owns one key, "count-<node id>", that
// only it writes, holding the sum of the adds it acknowledged, so its own key
// is never stale to it. A read must also see every other node's acknowledged
// adds: it first writes a new value to a key of its own ("sync-<node id>").
// A write that changes the store always lands on its latest state, and from
// then on this node reads from that state or later ones, so the reads that
// follow include every add acknowledged before the read began.
package main

import (
	"context"
	"errors"
	"log"
	"sync"
	"sync/atomic"
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
	loaded bool // whether total holds this node's key
	total  int

	// syncs numbers the sync writes: each writes a value the key never had,
	// since a write of the value already there changes nothing and may be
	// answered from an old state.
	syncs atomic.Int64
}

func main() {
	node := maelstrom.NewNode()
	s := &server{node: node, kv: maelstrom.NewSeqKV(node)}
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
		// Only this node writes its key, so its own read of it is current.
		total, err := s.readCount(s.node.ID())
		if err != nil {
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, err.Error())
		}
		s.total, s.loaded = total, true
	}
	total := s.total + body.Delta
	s.retry("writing my count", func(ctx context.Context) error { return s.kv.Write(ctx, countKey(s.node.ID()), total) })
	s.total = total
	return s.node.Reply(msg, map[string]any{"type": "add_ok"})
}

func (s *server) read(msg maelstrom.Message) error {
	// Catch up with the store's latest state before reading the others' keys.
	syncValue := s.syncs.Add(1)
	s.retry("syncing", func(ctx context.Context) error { return s.kv.Write(ctx, "sync-"+s.node.ID(), syncValue) })
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

// retry calls write until the service acknowledges it: the client's own
// timeout decides when to stop waiting for us.
func (s *server) retry(what string, write func(ctx context.Context) error) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), attemptTimeout)
		err := write(ctx)
		cancel()
		if err == nil {
			return
		}
		s.node.Logf("%s: %v (retrying)", what, err)
	}
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
	return 0, errors.Join(errors.New("the seq-kv service did not answer"), lastErr)
}
