// labgrade-overlay: a peer host's configuration, read once from the
// environment the node agent sets (LABGRADE_NODE_ID, LABGRADE_NODE_IDS,
// LABGRADE_PORT, LABGRADE_CLIENT_PORT).
package peerhost

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// Config is where a peer listens and whom it calls.
type Config struct {
	Layout      string   // "2025" or "2024", said in the hello line
	Me          int      // this peer's index in PeerAddrs
	PeerAddrs   []string // peers[j] calls PeerAddrs[j] ("n<j>:7000"), this peer's own too
	RPCAddr     string   // where this peer's labrpc server listens
	ControlAddr string   // where the tester connects (Contract 2)
}

// ConfigFromEnv reads the node's environment. LABGRADE_PEER_ADDRS (a
// comma-separated host:port per peer, tests only) replaces the cluster's
// names: the peer then listens on its own entry, and on loopback for control.
func ConfigFromEnv(layout string) (Config, error) {
	ids := splitList(os.Getenv("LABGRADE_NODE_IDS"))
	if len(ids) == 0 {
		return Config{}, fmt.Errorf("LABGRADE_NODE_IDS is empty: it must list the cluster's nodes, e.g. n0,n1,n2")
	}
	id := os.Getenv("LABGRADE_NODE_ID")
	me := -1
	for i, other := range ids {
		if other == id {
			me = i
		}
	}
	if me < 0 {
		return Config{}, fmt.Errorf("LABGRADE_NODE_ID %q is not in LABGRADE_NODE_IDS %q", id, strings.Join(ids, ","))
	}
	rpcPort, err := port("LABGRADE_PORT", "7000")
	if err != nil {
		return Config{}, err
	}
	controlPort, err := port("LABGRADE_CLIENT_PORT", "7001")
	if err != nil {
		return Config{}, err
	}
	cfg := Config{Layout: layout, Me: me, RPCAddr: ":" + rpcPort, ControlAddr: ":" + controlPort}
	if given := splitList(os.Getenv("LABGRADE_PEER_ADDRS")); len(given) > 0 {
		if len(given) != len(ids) {
			return Config{}, fmt.Errorf("LABGRADE_PEER_ADDRS has %d addresses for %d nodes", len(given), len(ids))
		}
		cfg.PeerAddrs = given
		cfg.RPCAddr = given[me]
		cfg.ControlAddr = "127.0.0.1:" + controlPort
		return cfg, nil
	}
	for _, node := range ids {
		cfg.PeerAddrs = append(cfg.PeerAddrs, net.JoinHostPort(node, rpcPort))
	}
	return cfg, nil
}

func port(name, fallback string) (string, error) {
	value := os.Getenv(name)
	if value == "" {
		return fallback, nil
	}
	if n, err := strconv.Atoi(value); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%s is %q, not a TCP port", name, value)
	}
	return value, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
