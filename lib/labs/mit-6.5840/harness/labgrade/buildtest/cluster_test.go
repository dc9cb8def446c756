// An end-to-end test: three peer host processes built by build.sh from a
// stand-in tree, on loopback, driven over their control ports as our tester
// drives them. It proves RPCs flow between processes and are counted, the
// apply streams arrive in order, and a SIGKILLed peer restarts from what
// its Persister saved.
package buildtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freePorts are n loopback ports nobody listened on a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var held []net.Listener
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range held {
		l.Close()
	}
	return ports
}

type cluster struct {
	t        *testing.T
	bin      string
	ids      string
	peerAddr string
	control  []int
	dataDirs []string
	logs     []string
	procs    []*exec.Cmd
}

func newCluster(t *testing.T, bin string, n int) *cluster {
	ports := freePorts(t, 2*n)
	c := &cluster{t: t, bin: bin, procs: make([]*exec.Cmd, n)}
	var ids, addrs []string
	for i := 0; i < n; i++ {
		ids = append(ids, fmt.Sprintf("n%d", i))
		addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", ports[i]))
		c.control = append(c.control, ports[n+i])
		c.dataDirs = append(c.dataDirs, t.TempDir())
		c.logs = append(c.logs, filepath.Join(t.TempDir(), "stderr"))
	}
	c.ids = strings.Join(ids, ",")
	c.peerAddr = strings.Join(addrs, ",")
	t.Cleanup(func() {
		for i := range c.procs {
			c.crash(i)
		}
		if t.Failed() {
			for i, path := range c.logs {
				log, _ := os.ReadFile(path)
				t.Logf("n%d's log:\n%s", i, log)
			}
		}
	})
	for i := 0; i < n; i++ {
		c.start(i)
	}
	return c
}

func (c *cluster) start(i int) {
	log, err := os.OpenFile(c.logs[i], os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(c.bin)
	cmd.Env = append(os.Environ(),
		"LABGRADE_NODE_ID="+fmt.Sprintf("n%d", i),
		"LABGRADE_NODE_IDS="+c.ids,
		"LABGRADE_PEER_ADDRS="+c.peerAddr,
		fmt.Sprintf("LABGRADE_CLIENT_PORT=%d", c.control[i]),
		"LABGRADE_DATA_DIR="+c.dataDirs[i],
	)
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.procs[i] = cmd
}

// crash is SIGKILL, as the runner crashes a node.
func (c *cluster) crash(i int) {
	if p := c.procs[i]; p != nil {
		p.Process.Signal(syscall.SIGKILL)
		p.Wait()
		c.procs[i] = nil
	}
}

// controller is one control connection.
type controller struct {
	t      *testing.T
	conn   net.Conn
	lines  *bufio.Scanner
	nextID int
	// applies seen while waiting for replies, in order.
	applies []map[string]interface{}
}

func (c *cluster) connect(i int) (*controller, map[string]interface{}) {
	c.t.Helper()
	var conn net.Conn
	var err error
	for tries := 0; tries < 100; tries++ {
		if conn, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", c.control[i])); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		c.t.Fatalf("n%d's control port never opened: %v", i, err)
	}
	c.t.Cleanup(func() { conn.Close() })
	ctl := &controller{t: c.t, conn: conn, lines: bufio.NewScanner(conn)}
	hello, ok := ctl.line()["hello"].(map[string]interface{})
	if !ok {
		c.t.Fatalf("n%d's first line is no hello", i)
	}
	return ctl, hello
}

func (ctl *controller) line() map[string]interface{} {
	ctl.t.Helper()
	ctl.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if !ctl.lines.Scan() {
		ctl.t.Fatalf("the control connection ended: %v", ctl.lines.Err())
	}
	var m map[string]interface{}
	if err := json.Unmarshal(ctl.lines.Bytes(), &m); err != nil {
		ctl.t.Fatalf("not JSON: %q", ctl.lines.Text())
	}
	return m
}

// do sends a request and returns its reply, keeping applies that come first.
func (ctl *controller) do(fields string) map[string]interface{} {
	ctl.t.Helper()
	ctl.nextID++
	fmt.Fprintf(ctl.conn, "{\"id\":%d,%s}\n", ctl.nextID, fields)
	for {
		m := ctl.line()
		if a, ok := m["apply"].(map[string]interface{}); ok {
			ctl.applies = append(ctl.applies, a)
			continue
		}
		if m["id"] == float64(ctl.nextID) {
			return m
		}
	}
}

// waitApplies reads until n applies have been seen and returns them.
func (ctl *controller) waitApplies(n int) []map[string]interface{} {
	ctl.t.Helper()
	for len(ctl.applies) < n {
		m := ctl.line()
		if a, ok := m["apply"].(map[string]interface{}); ok {
			ctl.applies = append(ctl.applies, a)
		}
	}
	return ctl.applies
}

func TestThreePeerHostsOverLoopback(t *testing.T) {
	for _, layout := range []struct{ fixture, name string }{{"src2025", "2025"}, {"src2024", "2024"}} {
		t.Run(layout.name, func(t *testing.T) {
			dir := studentTree(t, layout.fixture)
			if log, err := build(t, dir); err != nil {
				t.Fatalf("build: %v\n%s", err, log)
			}
			c := newCluster(t, filepath.Join(dir, "out", "peer"), 3)
			ctl := make([]*controller, 3)
			for i := range ctl {
				var hello map[string]interface{}
				ctl[i], hello = c.connect(i)
				restored := hello["restored"].(map[string]interface{})
				if hello["me"] != float64(i) || hello["layout"] != layout.name || restored["raftStateBytes"] != 0.0 {
					t.Fatalf("n%d's hello: %v", i, hello)
				}
			}
			for k, cmd := range []string{`1`, `"two"`, `3`} {
				r := ctl[0].do(`"op":"start","command":` + cmd)
				if r["index"] != float64(k+1) || r["isLeader"] != true {
					t.Fatalf("start %s on n0: %v", cmd, r)
				}
			}
			if r := ctl[1].do(`"op":"start","command":9`); r["isLeader"] != false {
				t.Fatalf("n1 is no leader: %v", r)
			}
			want := []interface{}{1.0, "two", 3.0}
			for i := range ctl {
				applies := ctl[i].waitApplies(3)
				for k, a := range applies[:3] {
					if a["commandIndex"] != float64(k+1) || a["command"] != want[k] {
						t.Fatalf("n%d's apply %d: %v", i, k+1, a)
					}
				}
			}
			leader := ctl[0].do(`"op":"rpcStats"`)
			follower := ctl[1].do(`"op":"rpcStats"`)
			// n0 pushed 3 commands to 3 peers (itself too) and nobody else calls.
			if leader["rpcs"].(float64) < 9 || leader["bytesSent"].(float64) <= 0 || follower["rpcs"] != 0.0 || follower["bytesReceived"].(float64) <= 0 {
				t.Fatalf("rpcStats: n0 %v, n1 %v", leader, follower)
			}
			if r := ctl[0].do(`"op":"persistBytes"`); r["bytes"].(float64) <= 0 {
				t.Fatalf("persistBytes: %v", r)
			}
			if r := ctl[0].do(`"op":"start","command":"crash"`); !strings.Contains(fmt.Sprint(r["error"]), "panicked in your Raft") {
				t.Fatalf("a panic in Start: %v", r)
			}

			// n2 dies by SIGKILL; the others go on; it comes back from its data folder.
			c.crash(2)
			if r := ctl[0].do(`"op":"start","command":4`); r["index"] != 4.0 {
				t.Fatalf("start while n2 is down: %v", r)
			}
			if a := ctl[1].waitApplies(4)[3]; a["command"] != 4.0 {
				t.Fatalf("n1's fourth apply: %v", a)
			}
			c.start(2)
			again, hello := c.connect(2)
			if hello["restored"].(map[string]interface{})["raftStateBytes"].(float64) <= 0 {
				t.Fatalf("n2 restarted with nothing restored: %v", hello)
			}
			// The stand-in persisted that it applied 3, so only index 4 comes now.
			if a := again.waitApplies(1)[0]; a["commandIndex"] != 4.0 || a["command"] != 4.0 {
				t.Fatalf("n2 after its restart: %v", a)
			}
			if r := again.do(`"op":"kill"`); r["ok"] != true {
				t.Fatalf("kill: %v", r)
			}
		})
	}
}
