// labgrade-overlay: what both peer mains do before and after the student's
// Make: read the environment, open both ports, and stop with a message a
// person can act on when something is wrong.
package peerhost

import (
	"fmt"
	"net"
	"os"

	"6.5840/labgob"
)

// Boot makes the host for layout and opens its control and RPC ports; the
// main then calls Make and Serve. It stops the process if it cannot.
func Boot(layout string, restored Restored) (*Host, net.Listener) {
	// The tests' commands are Go ints and strings inside interface{} values
	// (gob knows both already; registering says so where a student looks).
	labgob.Register(0)
	labgob.Register("")
	cfg, err := ConfigFromEnv(layout)
	if err != nil {
		Exit(err)
	}
	h := New(cfg, restored)
	if _, err := h.ListenControl(); err != nil {
		Exit(err)
	}
	l, err := h.ListenRPC()
	if err != nil {
		Exit(err)
	}
	return h, l
}

// Exit ends the process with err on stderr.
func Exit(err error) {
	fmt.Fprintf(os.Stderr, "labgrade: the peer host stops: %v\n", err)
	os.Exit(1)
}
