// labgrade-overlay: the 2025 skeleton's raftapi, the same interface and
// message (the peer host drives a student's Raft through them).
package raftapi

// Raft is what a student's Make returns.
type Raft interface {
	// Start begins agreement on command and returns at once: the index it
	// will have if committed, the current term, and whether this peer
	// believes it leads.
	Start(command interface{}) (int, int, bool)
	// GetState is the current term and whether this peer believes it leads.
	GetState() (int, bool)
	// Snapshot says the service has snapshotted everything through index (3D).
	Snapshot(index int, snapshot []byte)
	// PersistBytes is the size of the persisted Raft state.
	PersistBytes() int
	// Kill asks the peer to stop its long-running goroutines.
	Kill()
}

// ApplyMsg is what a peer sends on applyCh: a committed command
// (CommandValid) or a snapshot to install (SnapshotValid).
type ApplyMsg struct {
	CommandValid bool
	Command      interface{}
	CommandIndex int

	SnapshotValid bool
	Snapshot      []byte
	SnapshotTerm  int
	SnapshotIndex int
}
