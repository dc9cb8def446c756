//go:build labgrade_peer

// labgrade-overlay: the peer host for the 2024 layout: the student's
// raft.Make and ApplyMsg (package raft), our raft.Persister on the data
// volume, peerhost for the rest; persistBytes is the Persister's
// RaftStateSize, as the 2024 tester reads it. Built only by
// labgrade/build.sh (see peer2025).
package main

import (
	"6.5840/labgrade/peerhost"
	"6.5840/raft"
)

func main() {
	persister := raft.MakePersister()
	host, rpcListener := peerhost.Boot("2024", peerhost.Restored{
		RaftStateBytes: persister.RaftStateSize(),
		Snapshot:       persister.ReadSnapshot(),
	})
	applyCh := make(chan raft.ApplyMsg)
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
	peerhost.Exit(host.Serve(rpcListener, rf, persister.RaftStateSize))
}
