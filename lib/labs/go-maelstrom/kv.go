package maelstrom

import (
	"context"
	"encoding/json"
	"fmt"
)

// Names of the key-value services every cluster provides.
const (
	LinKV = "lin-kv" // linearizable
	SeqKV = "seq-kv" // sequentially consistent
	LWWKV = "lww-kv" // last write wins
)

// KV is a client of one key-value service. Keys are any JSON value (a string
// or a number); the service tells 1 and "1" apart. Every call blocks until
// the reply or the end of ctx: a request or reply lost in the network only
// ends with ctx, so give ctx a deadline.
type KV struct {
	service string
	node    *Node
}

// NewKV returns a client of service (LinKV, SeqKV or LWWKV) speaking through node.
func NewKV(service string, node *Node) *KV {
	return &KV{service: service, node: node}
}

// NewLinKV returns a client of the linearizable store.
func NewLinKV(node *Node) *KV { return NewKV(LinKV, node) }

// NewSeqKV returns a client of the sequentially consistent store.
func NewSeqKV(node *Node) *KV { return NewKV(SeqKV, node) }

// Read returns key's value as encoding/json decodes into an any (numbers are
// float64). A missing key is an *RPCError with code KeyDoesNotExist.
func (kv *KV) Read(ctx context.Context, key any) (any, error) {
	var value any
	err := kv.ReadInto(ctx, key, &value)
	return value, err
}

// ReadInt returns key's value as an int.
func (kv *KV) ReadInt(ctx context.Context, key any) (int, error) {
	var value int
	err := kv.ReadInto(ctx, key, &value)
	return value, err
}

// ReadInto decodes key's value into v (a pointer), e.g. a *[]int or a
// *json.RawMessage to pass the value on untouched.
func (kv *KV) ReadInto(ctx context.Context, key any, v any) error {
	reply, err := kv.node.SyncRPC(ctx, kv.service, map[string]any{"type": "read", "key": key})
	if err != nil {
		return err
	}
	var body struct {
		Value json.RawMessage `json:"value"`
	}
	if err := reply.Decode(&body); err != nil {
		return fmt.Errorf("maelstrom: %s read_ok: %w", kv.service, err)
	}
	if len(body.Value) == 0 {
		body.Value = json.RawMessage("null")
	}
	if err := json.Unmarshal(body.Value, v); err != nil {
		return fmt.Errorf("maelstrom: the value of %v in %s: %w", key, kv.service, err)
	}
	return nil
}

// Write sets key to value.
func (kv *KV) Write(ctx context.Context, key any, value any) error {
	_, err := kv.node.SyncRPC(ctx, kv.service, map[string]any{"type": "write", "key": key, "value": value})
	return err
}

// CompareAndSwap sets key to `to` if its value is `from`. If the key does not
// exist it fails with KeyDoesNotExist, unless createIfNotExists, which
// creates it with `to`. A different value fails with PreconditionFailed.
func (kv *KV) CompareAndSwap(ctx context.Context, key any, from, to any, createIfNotExists bool) error {
	body := map[string]any{"type": "cas", "key": key, "from": from, "to": to}
	if createIfNotExists {
		body["create_if_not_exists"] = true
	}
	_, err := kv.node.SyncRPC(ctx, kv.service, body)
	return err
}
