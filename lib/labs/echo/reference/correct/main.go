// A correct echo node for the Maelstrom protocol, using only the standard
// library: it answers init and echoes every echo request back.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

type envelope struct {
	Src  string                 `json:"src"`
	Dest string                 `json:"dest"`
	Body map[string]interface{} `json:"body"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := json.NewEncoder(os.Stdout)
	nodeID := ""
	nextID := 0
	for in.Scan() {
		var msg envelope
		if err := json.Unmarshal(in.Bytes(), &msg); err != nil {
			fmt.Fprintln(os.Stderr, "bad input:", err)
			continue
		}
		nextID++
		reply := map[string]interface{}{"msg_id": nextID, "in_reply_to": msg.Body["msg_id"]}
		switch msg.Body["type"] {
		case "init":
			nodeID, _ = msg.Body["node_id"].(string)
			fmt.Fprintln(os.Stderr, "initialised as", nodeID)
			reply["type"] = "init_ok"
		case "echo":
			reply["type"] = "echo_ok"
			reply["echo"] = msg.Body["echo"]
		default:
			reply["type"] = "error"
			reply["code"] = 10
			reply["text"] = "not supported"
		}
		if err := out.Encode(envelope{Src: nodeID, Dest: msg.Src, Body: reply}); err != nil {
			os.Exit(1)
		}
	}
}
