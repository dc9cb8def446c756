// labgrade-overlay: the control protocol's lines (Contract 2), one JSON
// object a line: the tester's requests, and the hello, apply and reply
// lines the peer host writes.
package peerhost

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
)

// request is one line from the tester.
type request struct {
	ID       json.RawMessage `json:"id"`       // echoed in the reply, whatever it is
	Op       string          `json:"op"`       // start, state, snapshot, persistBytes, kill, rpcStats
	Command  json.RawMessage `json:"command"`  // start: a JSON integer or string
	Index    int             `json:"index"`    // snapshot: the last index it covers
	Snapshot []byte          `json:"snapshot"` // snapshot: its bytes, base64 in JSON
}

// Restored is what the Persister held when the peer started.
type Restored struct {
	RaftStateBytes int
	Snapshot       []byte
}

type helloLine struct {
	Hello hello `json:"hello"`
}

type hello struct {
	Me       int           `json:"me"`
	Layout   string        `json:"layout"`
	Restored restoredState `json:"restored"`
}

type restoredState struct {
	RaftStateBytes int    `json:"raftStateBytes"`
	SnapshotBytes  int    `json:"snapshotBytes"`
	Snapshot       string `json:"snapshot"` // base64
}

// ApplyMsg is a Raft's ApplyMsg of either layout.
type ApplyMsg struct {
	CommandValid  bool
	Command       interface{}
	CommandIndex  int
	SnapshotValid bool
	Snapshot      []byte
	SnapshotTerm  int
	SnapshotIndex int
}

// applyJSON is the line for m, e.g. {"apply":{"commandValid":true,
// "command":4,"commandIndex":2}}: the command as the JSON value it came as
// (a command neither int nor string also says its Go type), a snapshot in
// base64; a message with neither flag set is passed on as it is.
func applyJSON(m ApplyMsg) []byte {
	a := map[string]interface{}{"commandValid": m.CommandValid, "snapshotValid": m.SnapshotValid}
	if m.CommandValid {
		a["commandIndex"] = m.CommandIndex
		switch c := m.Command.(type) {
		case int, string:
			a["command"] = c
		default:
			a["goType"] = fmt.Sprintf("%T", c)
			if _, err := json.Marshal(c); err == nil {
				a["command"] = c
			} else {
				a["command"] = fmt.Sprintf("%v", c)
			}
		}
	}
	if m.SnapshotValid {
		a["snapshot"] = base64.StdEncoding.EncodeToString(m.Snapshot)
		a["snapshotTerm"] = m.SnapshotTerm
		a["snapshotIndex"] = m.SnapshotIndex
	}
	line, _ := json.Marshal(map[string]interface{}{"apply": a})
	return line
}

// decodeCommand turns a JSON integer into a Go int and a JSON string into a
// Go string, the two kinds of command the course's tests submit.
func decodeCommand(raw json.RawMessage) (interface{}, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("start needs a command")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v interface{}
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the command is not JSON: %v", err)
	}
	switch c := v.(type) {
	case string:
		return c, nil
	case json.Number:
		n, err := strconv.Atoi(c.String())
		if err != nil {
			return nil, fmt.Errorf("the command %s is not an integer Go's int can hold: commands are integers or strings", c)
		}
		return n, nil
	}
	return nil, fmt.Errorf("the command %s is neither an integer nor a string", raw)
}
