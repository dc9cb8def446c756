package maelstrom

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// answerKV plays the service for one request and returns what it was asked.
func (h *harness) answerKV(service string, reply map[string]any) envelope {
	h.t.Helper()
	req := h.next()
	if req.Dest != service {
		h.t.Fatalf("request to %q, want %q: %+v", req.Dest, service, req)
	}
	reply["in_reply_to"] = req.Body["msg_id"]
	line, _ := json.Marshal(envelope{Src: service, Dest: "n1", Body: reply})
	if _, err := h.stdin.Write(append(line, '\n')); err != nil {
		h.t.Fatal(err)
	}
	return req
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestKVReadWriteAndCompareAndSwap(t *testing.T) {
	h := start(t, func(*Node) {})
	h.init()
	kv := NewLinKV(h.node)

	errs := make(chan error, 1)
	go func() { errs <- kv.Write(ctx(t), "k", []int{1, 2}) }()
	req := h.answerKV(LinKV, map[string]any{"type": "write_ok"})
	if err := <-errs; err != nil || req.Body["type"] != "write" || req.Body["key"] != "k" {
		t.Fatalf("write: %v, request %+v", err, req)
	}

	var log []int
	go func() { errs <- kv.ReadInto(ctx(t), "k", &log) }()
	h.answerKV(LinKV, map[string]any{"type": "read_ok", "value": []int{1, 2}})
	if err := <-errs; err != nil || len(log) != 2 || log[1] != 2 {
		t.Fatalf("read: %v, %v", err, log)
	}

	ints := make(chan int, 1)
	go func() {
		v, err := kv.ReadInt(ctx(t), 7)
		ints <- v
		errs <- err
	}()
	req = h.answerKV(LinKV, map[string]any{"type": "read_ok", "value": 42})
	if v, err := <-ints, <-errs; v != 42 || err != nil || req.Body["key"] != 7.0 {
		t.Fatalf("read int: %d, %v, %+v", v, err, req)
	}

	go func() { errs <- kv.CompareAndSwap(ctx(t), "k", 1, 2, true) }()
	req = h.answerKV(LinKV, map[string]any{"type": "cas_ok"})
	if err := <-errs; err != nil || req.Body["from"] != 1.0 || req.Body["to"] != 2.0 || req.Body["create_if_not_exists"] != true {
		t.Fatalf("cas: %v, %+v", err, req)
	}
	go func() { errs <- kv.CompareAndSwap(ctx(t), "k", 1, 2, false) }()
	req = h.answerKV(LinKV, map[string]any{"type": "error", "code": PreconditionFailed, "text": "expected 1, had 3"})
	if err := <-errs; ErrorCode(err) != PreconditionFailed {
		t.Fatalf("cas conflict: %v", err)
	}
	if _, has := req.Body["create_if_not_exists"]; has {
		t.Fatalf("create_if_not_exists sent although not asked for: %+v", req)
	}
}

func TestKVMissingKeyIsKeyDoesNotExist(t *testing.T) {
	h := start(t, func(*Node) {})
	h.init()
	kv := NewSeqKV(h.node)
	errs := make(chan error, 1)
	go func() {
		_, err := kv.Read(ctx(t), "nope")
		errs <- err
	}()
	h.answerKV(SeqKV, map[string]any{"type": "error", "code": KeyDoesNotExist, "text": "key does not exist"})
	if err := <-errs; ErrorCode(err) != KeyDoesNotExist {
		t.Fatalf("got %v", err)
	}
}

func TestKVCallsEndWithTheirContext(t *testing.T) {
	h := start(t, func(*Node) {})
	h.init()
	kv := NewLinKV(h.node)
	short, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	errs := make(chan error, 1)
	go func() { errs <- kv.Write(short, "k", 1) }()
	h.next() // the request, never answered (a lost datagram)
	if err := <-errs; err != context.DeadlineExceeded {
		t.Fatalf("got %v", err)
	}
}
