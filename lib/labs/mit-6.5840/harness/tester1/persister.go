// labgrade-overlay: the 2025 skeleton's Persister, made durable: it saves
// on the node's data volume (LABGRADE_DATA_DIR, default /data) through
// labgrade/durable, so a peer killed and restarted reads what it last saved.
package tester

import (
	"fmt"
	"os"
	"sync"

	"6.5840/labgrade/durable"
)

// Persister holds a peer's Raft state and snapshot. The zero value keeps
// them in memory.
type Persister struct {
	once  sync.Once
	store *durable.Store
}

// MakePersister opens the peer's durable state in its data folder; a peer
// that cannot read or make it stops, since it could not keep its promises.
func MakePersister() *Persister {
	store, err := durable.Open(durable.DataDir())
	if err != nil {
		fmt.Fprintf(os.Stderr, "labgrade: %v\n", err)
		os.Exit(1)
	}
	return &Persister{store: store}
}

func (ps *Persister) s() *durable.Store {
	ps.once.Do(func() {
		if ps.store == nil {
			ps.store = durable.Memory(nil, nil)
		}
	})
	return ps.store
}

// Copy is an in-memory Persister holding what ps holds now.
func (ps *Persister) Copy() *Persister { return &Persister{store: ps.s().Copy()} }

// ReadRaftState is a copy of the last saved Raft state.
func (ps *Persister) ReadRaftState() []byte { return ps.s().RaftState() }

// RaftStateSize is the last saved Raft state's length in bytes.
func (ps *Persister) RaftStateSize() int {
	n, _ := ps.s().Sizes()
	return n
}

// Save replaces the Raft state and the snapshot together, durably.
func (ps *Persister) Save(raftstate []byte, snapshot []byte) {
	durable.MustSave(ps.s(), raftstate, snapshot)
}

// ReadSnapshot is a copy of the last saved snapshot.
func (ps *Persister) ReadSnapshot() []byte { return ps.s().Snapshot() }

// SnapshotSize is the last saved snapshot's length in bytes.
func (ps *Persister) SnapshotSize() int {
	_, n := ps.s().Sizes()
	return n
}
