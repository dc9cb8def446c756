package maelstrom

import (
	"errors"
	"fmt"
)

// Maelstrom's error codes. Definite errors mean the request certainly did not
// take effect; indefinite ones (Timeout, Crash and codes of 1000 and above)
// mean it may or may not have.
const (
	Timeout                = 0
	NodeNotFound           = 1
	NotSupported           = 10
	TemporarilyUnavailable = 11
	MalformedRequest       = 12
	Crash                  = 13
	Abort                  = 14
	KeyDoesNotExist        = 20
	KeyAlreadyExists       = 21
	PreconditionFailed     = 22
	TxnConflict            = 30
)

// RPCError is an error body: {"type": "error", "code": ..., "text": ...}.
// A handler that returns one has it sent back to the requester as is;
// SyncRPC and the KV client return one when the other side answered with an
// error.
type RPCError struct {
	Code int
	Text string
}

// NewRPCError returns an error that a handler can return to answer with code.
func NewRPCError(code int, text string) *RPCError {
	return &RPCError{Code: code, Text: text}
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("RPCError(%s, %q)", codeName(e.Code), e.Text)
}

// Definite reports whether the failed request certainly did not happen.
func (e *RPCError) Definite() bool {
	switch e.Code {
	case NodeNotFound, NotSupported, TemporarilyUnavailable, MalformedRequest, Abort,
		KeyDoesNotExist, KeyAlreadyExists, PreconditionFailed, TxnConflict:
		return true
	}
	return false
}

// body is the wire form of the error.
func (e *RPCError) body() map[string]any {
	return map[string]any{"type": "error", "code": e.Code, "text": e.Text}
}

// ErrorCode returns the Maelstrom code of err if it is (or wraps) an
// *RPCError, and -1 otherwise.
func ErrorCode(err error) int {
	var rpcErr *RPCError
	if errors.As(err, &rpcErr) {
		return rpcErr.Code
	}
	return -1
}

func codeName(code int) string {
	switch code {
	case Timeout:
		return "Timeout"
	case NodeNotFound:
		return "NodeNotFound"
	case NotSupported:
		return "NotSupported"
	case TemporarilyUnavailable:
		return "TemporarilyUnavailable"
	case MalformedRequest:
		return "MalformedRequest"
	case Crash:
		return "Crash"
	case Abort:
		return "Abort"
	case KeyDoesNotExist:
		return "KeyDoesNotExist"
	case KeyAlreadyExists:
		return "KeyAlreadyExists"
	case PreconditionFailed:
		return "PreconditionFailed"
	case TxnConflict:
		return "TxnConflict"
	}
	return fmt.Sprintf("code %d", code)
}
