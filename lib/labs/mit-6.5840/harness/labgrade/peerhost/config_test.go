// Tests of the peer host's environment: the cluster's names become the
// peers' addresses, and a wrong value is an error naming the variable.
package peerhost

import (
	"reflect"
	"strings"
	"testing"
)

func TestPeersAreTheClusterNodesOnThePeerPort(t *testing.T) {
	t.Setenv("LABGRADE_NODE_IDS", "n0,n1,n2")
	t.Setenv("LABGRADE_NODE_ID", "n1")
	t.Setenv("LABGRADE_PORT", "")
	t.Setenv("LABGRADE_CLIENT_PORT", "")
	t.Setenv("LABGRADE_PEER_ADDRS", "")
	cfg, err := ConfigFromEnv("2025")
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Layout: "2025", Me: 1, PeerAddrs: []string{"n0:7000", "n1:7000", "n2:7000"}, RPCAddr: ":7000", ControlAddr: ":7001"}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("got %+v, want %+v", cfg, want)
	}
}

func TestWrongEnvironmentNamesTheVariable(t *testing.T) {
	cases := []struct{ ids, id, port, addrs, want string }{
		{"", "n0", "", "", "LABGRADE_NODE_IDS is empty"},
		{"n0,n1", "n7", "", "", `LABGRADE_NODE_ID "n7" is not in LABGRADE_NODE_IDS "n0,n1"`},
		{"n0,n1", "n0", "70000", "", `LABGRADE_PORT is "70000", not a TCP port`},
		{"n0,n1", "n0", "", "127.0.0.1:1", "LABGRADE_PEER_ADDRS has 1 addresses for 2 nodes"},
	}
	for _, c := range cases {
		t.Setenv("LABGRADE_NODE_IDS", c.ids)
		t.Setenv("LABGRADE_NODE_ID", c.id)
		t.Setenv("LABGRADE_PORT", c.port)
		t.Setenv("LABGRADE_CLIENT_PORT", "")
		t.Setenv("LABGRADE_PEER_ADDRS", c.addrs)
		if _, err := ConfigFromEnv("2024"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c, err, c.want)
		}
	}
}
