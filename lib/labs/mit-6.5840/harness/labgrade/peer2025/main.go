//go:build labgrade_peer

// labgrade-overlay: the peer host for the 2025 layout: the student's
// raft1.Make, our tester1.Persister on the data volume, peerhost for the
// rest. Built only by labgrade/build.sh (the build tag keeps it out of the
// harness's own `go vet ./...`, which has no student Raft to build against).
package main

import (
	"6.5840/labgrade/peerhost"
	raft "6.5840/raft1"
	"6.5840/raftapi"
	tester "6.5840/tester1"
)

func main() {
	persister := tester.MakePersister()
	host, rpcListener := peerhost.Boot("2025", peerhost.Restored{
		RaftStateBytes: persister.RaftStateSize(),
		Snapshot:       persister.ReadSnapshot(),
	})
	applyCh := make(chan raftapi.ApplyMsg)
	// applyCh is always drained: Apply queues and never blocks.
	go func() {
		for m := range applyCh {
			host.Apply(peerhost.ApplyMsg{
				CommandValid: m.CommandValid, Command: m.Command, CommandIndex: m.CommandIndex,
				SnapshotValid: m.SnapshotValid, Snapshot: m.Snapshot, SnapshotTerm: m.SnapshotTerm, SnapshotIndex: m.SnapshotIndex,
			})
		}
	}()
	rf := raft.Make(host.Ends(), host.Me(), persister, applyCh)
	peerhost.Exit(host.Serve(rpcListener, rf, rf.PersistBytes))
}
