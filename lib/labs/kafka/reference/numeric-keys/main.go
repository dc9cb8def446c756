// As ../correct (each key's log in lin-kv, appended with compare-and-set),
// except that it reads keys the way many published Gossip Glomers solutions
// do: as numbers (strconv.Atoi), stopping the node loudly on a key that is
// not one. Maelstrom's kafka keys are integers sent as strings ("56"), so
// this passes Maelstrom; a harness sending "k0" crashes it on the first send.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"strconv"
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

func logKey(key int) string    { return "log-" + strconv.Itoa(key) }
func commitKey(key int) string { return "commit-" + strconv.Itoa(key) }

// number parses a key as Maelstrom sends it, an integer in a string. Many
// published solutions do the same; anything else is a broken test harness,
// so the node stops with a message saying so.
func number(key string) int {
	n, err := strconv.Atoi(key)
	if err != nil {
		log.Fatalf("key %q is not an integer: Maelstrom's kafka keys are integers sent as strings", key)
	}
	return n
}

// unavailable turns a service failure into the client's error: a lost
// request or reply is indefinite (it may have taken effect), others pass on.
func unavailable(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return maelstrom.NewRPCError(maelstrom.Timeout, "lin-kv did not answer in time")
	}
	return err
}

// readLog returns key's log (empty if nothing was ever sent to it).
func (s *server) readLog(ctx context.Context, key int) ([]json.RawMessage, error) {
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
	key := number(body.Key)
	ctx, cancel := context.WithTimeout(context.Background(), 4*serviceTimeout)
	defer cancel()
	for {
		entries, err := s.readLog(ctx, key)
		if err != nil {
			return unavailable(err)
		}
		appended := append(append([]json.RawMessage{}, entries...), body.Msg)
		// create_if_not_exists: the first send to a key creates its log; if
		// another node created it first, from ([]) no longer matches.
		err = s.kv.CompareAndSwap(ctx, logKey(key), entries, appended, true)
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
		entries, err := s.readLog(ctx, number(key))
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
		if err := s.raiseCommit(ctx, number(key), offset); err != nil {
			return unavailable(err)
		}
	}
	return s.node.Reply(msg, map[string]any{"type": "commit_offsets_ok"})
}

// raiseCommit sets key's committed offset to offset unless it is already higher.
func (s *server) raiseCommit(ctx context.Context, key int, offset int) error {
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
		offset, err := s.kv.ReadInt(ctx, commitKey(number(key)))
		if maelstrom.ErrorCode(err) == maelstrom.KeyDoesNotExist {
			continue // nothing committed yet
		}
		if err != nil {
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, err.Error())
		}
		offsets[key] = offset
	}
	return s.node.Reply(msg, map[string]any{"type": "list_committed_offsets_ok", "offsets": offsets})
}
