// As ../correct (each key's log in lin-kv, appended with compare-and-set),
// except that list_committed_offsets answers 0 for a key nobody has
// committed, instead of leaving it out. Maelstrom only uses the answer to
// decide where a new consumer starts, and 0 is the start, so this passes
// Maelstrom; a checker that required every listed offset to be one some
// client committed would fail it.
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

type server struct {
	node *maelstrom.Node
	kv   *maelstrom.KV
}

func main() {
	node := maelstrom.NewNode()
	s := &server{node: node, kv: maelstrom.NewLinKV(node)}
	node.Handle("send", s.send)
	node.Handle("poll", s.poll)
	node.Handle("commit_offsets", s.commitOffsets)
	node.Handle("list_committed_offsets", s.listCommittedOffsets)
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}
}

func logKey(key string) string    { return "log-" + key }
func commitKey(key string) string { return "commit-" + key }

// unavailable turns a service failure into the client's error: a lost
// request or reply is indefinite (it may have taken effect), others pass on.
func unavailable(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return maelstrom.NewRPCError(maelstrom.Timeout, "lin-kv did not answer in time")
	}
	return err
}

// readLog returns key's log (empty if nothing was ever sent to it).
func (s *server) readLog(ctx context.Context, key string) ([]json.RawMessage, error) {
	entries := []json.RawMessage{}
	err := s.kv.ReadInto(ctx, logKey(key), &entries)
	if maelstrom.ErrorCode(err) == maelstrom.KeyDoesNotExist {
		return []json.RawMessage{}, nil
	}
	return entries, err
}

func (s *server) send(msg maelstrom.Message) error {
	var body struct {
		Key string          `json:"key"`
		Msg json.RawMessage `json:"msg"`
	}
	if err := msg.Decode(&body); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*serviceTimeout)
	defer cancel()
	for {
		entries, err := s.readLog(ctx, body.Key)
		if err != nil {
			return unavailable(err)
		}
		appended := append(append([]json.RawMessage{}, entries...), body.Msg)
		// create_if_not_exists: the first send to a key creates its log; if
		// another node created it first, from ([]) no longer matches.
		err = s.kv.CompareAndSwap(ctx, logKey(body.Key), entries, appended, true)
		if maelstrom.ErrorCode(err) == maelstrom.PreconditionFailed {
			continue // another send won this offset: read again and take the next
		}
		if err != nil {
			return unavailable(err)
		}
		return s.node.Reply(msg, map[string]any{"type": "send_ok", "offset": len(entries)})
	}
}

func (s *server) poll(msg maelstrom.Message) error {
	var body struct {
		Offsets map[string]int `json:"offsets"`
	}
	if err := msg.Decode(&body); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*serviceTimeout)
	defer cancel()
	msgs := map[string][][2]any{}
	for key, from := range body.Offsets {
		entries, err := s.readLog(ctx, key)
		if err != nil {
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, err.Error())
		}
		pairs := [][2]any{}
		for offset := max(from, 0); offset < len(entries); offset++ {
			pairs = append(pairs, [2]any{offset, entries[offset]})
		}
		msgs[key] = pairs
	}
	return s.node.Reply(msg, map[string]any{"type": "poll_ok", "msgs": msgs})
}

func (s *server) commitOffsets(msg maelstrom.Message) error {
	var body struct {
		Offsets map[string]int `json:"offsets"`
	}
	if err := msg.Decode(&body); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*serviceTimeout)
	defer cancel()
	for key, offset := range body.Offsets {
		if err := s.raiseCommit(ctx, key, offset); err != nil {
			return unavailable(err)
		}
	}
	return s.node.Reply(msg, map[string]any{"type": "commit_offsets_ok"})
}

// raiseCommit sets key's committed offset to offset unless it is already higher.
func (s *server) raiseCommit(ctx context.Context, key string, offset int) error {
	for {
		current, err := s.kv.ReadInt(ctx, commitKey(key))
		missing := maelstrom.ErrorCode(err) == maelstrom.KeyDoesNotExist
		if err != nil && !missing {
			return err
		}
		if !missing && current >= offset {
			return nil
		}
		err = s.kv.CompareAndSwap(ctx, commitKey(key), current, offset, missing)
		if maelstrom.ErrorCode(err) != maelstrom.PreconditionFailed {
			return err
		}
	}
}

func (s *server) listCommittedOffsets(msg maelstrom.Message) error {
	var body struct {
		Keys []string `json:"keys"`
	}
	if err := msg.Decode(&body); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*serviceTimeout)
	defer cancel()
	offsets := map[string]int{}
	for _, key := range body.Keys {
		offset, err := s.kv.ReadInt(ctx, commitKey(key))
		if maelstrom.ErrorCode(err) == maelstrom.KeyDoesNotExist {
			// Nothing committed yet: a new consumer starts at the beginning.
			offsets[key] = 0
			continue
		}
		if err != nil {
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, err.Error())
		}
		offsets[key] = offset
	}
	return s.node.Reply(msg, map[string]any{"type": "list_committed_offsets_ok", "offsets": offsets})
}
