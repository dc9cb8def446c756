package raft

// BROKEN VARIANT sync-rpc of Labgrade's 2025 reference Raft, written by
// ../../derive.py: see BROKEN.md. Fails TestFailAgree3B and TestRejoin3B (TestFailNoAgree3B in some runs).

// Labgrade's reference Raft for MIT 6.5840 lab 3 (3A-3D), 2025 layout (package
// raft in src/raft1, against raftapi and tester1). Written from the extended Raft
// paper (Figure 2, sections 5 and 7); it is ours, not the course's.
//
// TWIN: ../../raft-2024/raft/raft.go is the same logic in the 2024 layout. The two
// differ only in imports, ApplyMsg/Persister types and Make's return type; change
// both together (diff them: only those lines may differ).
//
// Written for a real network, where a Call can take up to 7 s to fail and replies
// are lost, delayed and reordered:
//   - every RPC is sent from its own goroutine, never while holding rf.mu, and no
//     loop waits for one, so heartbeats never stall behind a dead peer;
//   - every reply is checked against the term and role it was sent in;
//   - persistent state (currentTerm, votedFor, log, snapshot boundary) is saved
//     before any RPC reply or vote leaves this peer;
//   - a leader commits only entries of its own term by counting (Figure 8);
//   - followers answer a failed AppendEntries with the conflicting term and its
//     first index (or their log length), so a leader backs up a term per RPC;
//   - one applier goroutine sends on applyCh, never holding rf.mu.
//
// Log indexing: rf.log[0] stands for the last entry covered by the snapshot
// (index rf.base, its term in rf.log[0].Term, no command); the entry with index i
// is rf.log[i-rf.base]. Without a snapshot, base is 0 and log[0] is a term-0 sentinel.

import (
	"bytes"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"

	"6.5840/labgob"
	"6.5840/labrpc"
	"6.5840/raftapi"
	tester "6.5840/tester1"
)

const (
	heartbeatInterval  = 100 * time.Millisecond // at most 10 heartbeats a second per peer
	electionTimeoutMin = 300 * time.Millisecond
	electionTimeoutMax = 600 * time.Millisecond
	tickInterval       = 10 * time.Millisecond
)

type role int

const (
	follower role = iota
	candidate
	leader
)

// LogEntry is one entry of the replicated log.
type LogEntry struct {
	Term    int
	Command interface{}
}

// Raft is one peer.
type Raft struct {
	mu        sync.Mutex
	peers     []*labrpc.ClientEnd
	persister *tester.Persister
	me        int
	dead      int32

	applyCh   chan raftapi.ApplyMsg
	applyCond *sync.Cond // signalled when commitIndex grows or a snapshot arrives

	// Persistent (saved before answering any RPC).
	currentTerm int
	votedFor    int // -1 for none
	log         []LogEntry
	base        int    // index of log[0]: the snapshot's lastIncludedIndex
	snapshot    []byte // the service's snapshot up to base (kept with the state)

	// Volatile.
	role             role
	commitIndex      int
	lastApplied      int  // highest index the applier has handed to applyCh
	snapshotPending  bool // an installed snapshot the applier has yet to deliver
	electionDeadline time.Time
	nextHeartbeat    time.Time
	replicateSoon    bool // Start appended entries: send them at the next tick

	// Leader only, reset at each election win.
	nextIndex  []int
	matchIndex []int
}

// ---- log helpers (rf.mu held) ----

func (rf *Raft) lastIndex() int { return rf.base + len(rf.log) - 1 }

func (rf *Raft) lastTerm() int { return rf.log[len(rf.log)-1].Term }

// termAt is the term of the entry at index i, base <= i <= lastIndex.
func (rf *Raft) termAt(i int) int { return rf.log[i-rf.base].Term }

// entriesFrom copies the entries from index i (base < i) to the end, so an RPC
// being encoded outside the lock never shares an array with the live log.
func (rf *Raft) entriesFrom(i int) []LogEntry {
	src := rf.log[i-rf.base:]
	out := make([]LogEntry, len(src))
	copy(out, src)
	return out
}

func (rf *Raft) resetElectionTimer() {
	spread := int64(electionTimeoutMax - electionTimeoutMin)
	rf.electionDeadline = time.Now().Add(electionTimeoutMin + time.Duration(rand.Int63n(spread)))
}

// stepDown adopts a newer term as a follower. The caller persists.
func (rf *Raft) stepDown(term int) {
	if term > rf.currentTerm {
		rf.currentTerm = term
		rf.votedFor = -1
	}
	if rf.role != follower {
		// A leader's deadline is long past: without a fresh one it would stand
		// for election before the new leader's first heartbeat reaches it.
		rf.role = follower
		rf.resetElectionTimer()
	}
}

// ---- persistence ----

func (rf *Raft) encodeState() []byte {
	w := new(bytes.Buffer)
	e := labgob.NewEncoder(w)
	e.Encode(rf.currentTerm)
	e.Encode(rf.votedFor)
	e.Encode(rf.base)
	e.Encode(rf.log)
	return w.Bytes()
}

// persist saves the persistent state and the snapshot in one atomic Save.
func (rf *Raft) persist() {
	rf.persister.Save(rf.encodeState(), rf.snapshot)
}

func (rf *Raft) readPersist(data []byte) {
	if len(data) < 1 {
		return
	}
	d := labgob.NewDecoder(bytes.NewBuffer(data))
	var term, votedFor, base int
	var entries []LogEntry
	if d.Decode(&term) != nil || d.Decode(&votedFor) != nil ||
		d.Decode(&base) != nil || d.Decode(&entries) != nil || len(entries) == 0 {
		panic("raft: persisted state does not decode")
	}
	rf.currentTerm = term
	rf.votedFor = votedFor
	rf.base = base
	rf.log = entries
	// Everything in the snapshot was committed and applied by the service,
	// which restores it from the persister itself.
	rf.commitIndex = base
	rf.lastApplied = base
}

// ---- the service's interface ----

// GetState returns currentTerm and whether this peer believes it leads.
func (rf *Raft) GetState() (int, bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.currentTerm, rf.role == leader
}

// PersistBytes is the size of the persisted Raft state (without the snapshot).
func (rf *Raft) PersistBytes() int {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.persister.RaftStateSize()
}

// Snapshot: the service has a snapshot of everything up to and including index;
// drop the log up to there.
func (rf *Raft) Snapshot(index int, snapshot []byte) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if index <= rf.base || index > rf.commitIndex || index > rf.lastIndex() {
		return
	}
	kept := make([]LogEntry, 1, rf.lastIndex()-index+1)
	kept[0] = LogEntry{Term: rf.termAt(index)}
	kept = append(kept, rf.log[index-rf.base+1:]...)
	rf.log = kept
	rf.base = index
	rf.snapshot = snapshot
	rf.persist()
}

// Start appends command to the leader's log and returns at once.
func (rf *Raft) Start(command interface{}) (int, int, bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.killed() || rf.role != leader {
		return -1, rf.currentTerm, false
	}
	// Saved and sent at the next tick (within tickInterval), so a burst of
	// Starts costs one Save and one AppendEntries per peer, not one each.
	rf.log = append(rf.log, LogEntry{Term: rf.currentTerm, Command: command})
	rf.replicateSoon = true
	return rf.lastIndex(), rf.currentTerm, true
}

// Kill stops the peer's goroutines; its methods keep answering.
func (rf *Raft) Kill() {
	atomic.StoreInt32(&rf.dead, 1)
	rf.mu.Lock()
	rf.applyCond.Broadcast()
	rf.mu.Unlock()
}

func (rf *Raft) killed() bool {
	return atomic.LoadInt32(&rf.dead) == 1
}

// ---- RequestVote ----

type RequestVoteArgs struct {
	Term         int
	CandidateId  int
	LastLogIndex int
	LastLogTerm  int
}

type RequestVoteReply struct {
	Term        int
	VoteGranted bool
}

func (rf *Raft) RequestVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	changed := false
	if args.Term > rf.currentTerm {
		rf.stepDown(args.Term)
		changed = true
	}
	reply.Term = rf.currentTerm
	upToDate := args.LastLogTerm > rf.lastTerm() ||
		(args.LastLogTerm == rf.lastTerm() && args.LastLogIndex >= rf.lastIndex())
	if args.Term == rf.currentTerm && upToDate &&
		(rf.votedFor == -1 || rf.votedFor == args.CandidateId) {
		rf.votedFor = args.CandidateId
		reply.VoteGranted = true
		changed = true
		rf.resetElectionTimer()
	}
	if changed {
		rf.persist()
	}
}

// startElection begins a new term as candidate (rf.mu held).
func (rf *Raft) startElection() {
	rf.currentTerm++
	rf.votedFor = rf.me
	rf.role = candidate
	rf.resetElectionTimer()
	rf.persist()
	args := RequestVoteArgs{
		Term:         rf.currentTerm,
		CandidateId:  rf.me,
		LastLogIndex: rf.lastIndex(),
		LastLogTerm:  rf.lastTerm(),
	}
	votes := map[int]bool{rf.me: true} // by voter, so a duplicated reply counts once
	if len(rf.peers) == 1 {
		rf.becomeLeader()
		return
	}
	for p := range rf.peers {
		if p == rf.me {
			continue
		}
		go func(p int) {
			var reply RequestVoteReply
			if !rf.peers[p].Call("Raft.RequestVote", &args, &reply) {
				return
			}
			rf.mu.Lock()
			defer rf.mu.Unlock()
			if reply.Term > rf.currentTerm {
				rf.stepDown(reply.Term)
				rf.persist()
				return
			}
			if rf.currentTerm != args.Term || rf.role != candidate || !reply.VoteGranted {
				return
			}
			votes[p] = true
			if len(votes)*2 > len(rf.peers) {
				rf.becomeLeader()
			}
		}(p)
	}
}

func (rf *Raft) becomeLeader() {
	rf.role = leader
	rf.nextIndex = make([]int, len(rf.peers))
	rf.matchIndex = make([]int, len(rf.peers))
	for p := range rf.peers {
		rf.nextIndex[p] = rf.lastIndex() + 1
	}
	rf.matchIndex[rf.me] = rf.lastIndex()
	rf.broadcast()
}

// ---- AppendEntries ----

type AppendEntriesArgs struct {
	Term         int
	LeaderId     int
	PrevLogIndex int
	PrevLogTerm  int
	Entries      []LogEntry
	LeaderCommit int
}

type AppendEntriesReply struct {
	Term    int
	Success bool
	// On a mismatch: the follower's term at PrevLogIndex and the first index it
	// holds of that term, or XTerm -1 and XLen = its last index + 1 when its log
	// is too short.
	XTerm  int
	XIndex int
	XLen   int
}

func (rf *Raft) AppendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	reply.Term = rf.currentTerm
	if args.Term < rf.currentTerm {
		return
	}
	changed := false
	if args.Term > rf.currentTerm {
		changed = true
	}
	rf.stepDown(args.Term)
	reply.Term = rf.currentTerm
	rf.resetElectionTimer()
	defer func() {
		if changed {
			rf.persist()
		}
	}()

	prev, entries := args.PrevLogIndex, args.Entries
	if prev < rf.base {
		// The start is already in our snapshot, hence committed and matching.
		skip := rf.base - prev
		if skip >= len(entries) {
			reply.Success = true
			return
		}
		entries = entries[skip:]
		prev = rf.base
	} else if prev > rf.lastIndex() {
		reply.XTerm, reply.XLen = -1, rf.lastIndex()+1
		return
	} else if rf.termAt(prev) != args.PrevLogTerm {
		reply.XTerm = rf.termAt(prev)
		first := prev
		for first-1 > rf.base && rf.termAt(first-1) == reply.XTerm {
			first--
		}
		reply.XIndex = first
		return
	}

	// Truncate only at a real conflict: a delayed, shorter AppendEntries of the
	// same leader must not drop entries a later one added.
	for i, e := range entries {
		idx := prev + 1 + i
		if idx > rf.lastIndex() || rf.termAt(idx) != e.Term {
			rf.log = append(rf.log[:idx-rf.base], entries[i:]...)
			changed = true
			break
		}
	}
	reply.Success = true
	lastNew := args.PrevLogIndex + len(args.Entries)
	if args.LeaderCommit > rf.commitIndex && lastNew > rf.commitIndex {
		rf.commitIndex = args.LeaderCommit
		if lastNew < rf.commitIndex {
			rf.commitIndex = lastNew
		}
		rf.applyCond.Signal()
	}
}

// saveOwnEntries makes the entries Start appended durable before they are sent
// or counted towards a majority: matchIndex[me] only covers saved entries
// (rf.mu held; role leader).
func (rf *Raft) saveOwnEntries() {
	if rf.matchIndex[rf.me] < rf.lastIndex() {
		rf.persist()
		rf.matchIndex[rf.me] = rf.lastIndex()
		rf.advanceCommit() // a one-peer cluster commits here
	}
}

// broadcast sends one AppendEntries (or InstallSnapshot) to every other peer,
// each from its own goroutine (rf.mu held; role leader).
func (rf *Raft) broadcast() {
	rf.saveOwnEntries()
	rf.replicateSoon = false
	rf.nextHeartbeat = time.Now().Add(heartbeatInterval)
	for p := range rf.peers {
		if p != rf.me && rf.role == leader {
			rf.sendTo(p)
		}
	}
}

func (rf *Raft) sendTo(p int) {
	if rf.nextIndex[p] <= rf.base {
		args := InstallSnapshotArgs{
			Term:              rf.currentTerm,
			LeaderId:          rf.me,
			LastIncludedIndex: rf.base,
			LastIncludedTerm:  rf.log[0].Term,
			Data:              rf.snapshot,
		}
		go rf.sendInstallSnapshot(p, &args)
		return
	}
	prev := rf.nextIndex[p] - 1
	args := AppendEntriesArgs{
		Term:         rf.currentTerm,
		LeaderId:     rf.me,
		PrevLogIndex: prev,
		PrevLogTerm:  rf.termAt(prev),
		Entries:      rf.entriesFrom(prev + 1),
		LeaderCommit: rf.commitIndex,
	}
	// BROKEN: waits for the reply (up to 7 s for a cut-off peer) before the next peer.
	rf.mu.Unlock()
	rf.sendAppendEntries(p, &args)
	rf.mu.Lock()
}

func (rf *Raft) sendAppendEntries(p int, args *AppendEntriesArgs) {
	var reply AppendEntriesReply
	if !rf.peers[p].Call("Raft.AppendEntries", args, &reply) {
		return
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if reply.Term > rf.currentTerm {
		rf.stepDown(reply.Term)
		rf.persist()
		return
	}
	if rf.currentTerm != args.Term || rf.role != leader {
		return // a reply to an earlier term or role
	}
	if reply.Success {
		match := args.PrevLogIndex + len(args.Entries)
		if match > rf.matchIndex[p] {
			rf.matchIndex[p] = match
		}
		if match+1 > rf.nextIndex[p] {
			rf.nextIndex[p] = match + 1
		}
		rf.advanceCommit()
		return
	}
	// Back up a whole term at a time.
	next := reply.XLen
	if reply.XTerm != -1 {
		next = reply.XIndex
		for i := rf.lastIndex(); i > rf.base; i-- {
			if rf.termAt(i) == reply.XTerm {
				next = i + 1
				break
			}
			if rf.termAt(i) < reply.XTerm {
				break
			}
		}
	}
	// A stale reply must never move nextIndex below what is known to match.
	if next <= rf.matchIndex[p] {
		next = rf.matchIndex[p] + 1
	}
	if next < rf.nextIndex[p] {
		rf.nextIndex[p] = next
		rf.saveOwnEntries()
		rf.sendTo(p) // retry at once rather than a heartbeat later
	}
}

// advanceCommit commits the highest index of the current term that a majority
// holds; earlier terms' entries commit with it, never by counting (Figure 8).
func (rf *Raft) advanceCommit() {
	for n := rf.lastIndex(); n > rf.commitIndex && rf.termAt(n) == rf.currentTerm; n-- {
		count := 0
		for p := range rf.peers {
			if rf.matchIndex[p] >= n {
				count++
			}
		}
		if count*2 > len(rf.peers) {
			rf.commitIndex = n
			rf.applyCond.Signal()
			return
		}
	}
}

// ---- InstallSnapshot ----

type InstallSnapshotArgs struct {
	Term              int
	LeaderId          int
	LastIncludedIndex int
	LastIncludedTerm  int
	Data              []byte
}

type InstallSnapshotReply struct {
	Term int
}

func (rf *Raft) InstallSnapshot(args *InstallSnapshotArgs, reply *InstallSnapshotReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	reply.Term = rf.currentTerm
	if args.Term < rf.currentTerm {
		return
	}
	changed := args.Term > rf.currentTerm
	rf.stepDown(args.Term)
	reply.Term = rf.currentTerm
	rf.resetElectionTimer()
	if args.LastIncludedIndex <= rf.commitIndex {
		// Nothing new: we already hold (committed) everything it covers.
		if changed {
			rf.persist()
		}
		return
	}
	idx := args.LastIncludedIndex
	if idx < rf.lastIndex() && rf.termAt(idx) == args.LastIncludedTerm {
		kept := make([]LogEntry, 1, rf.lastIndex()-idx+1)
		kept = append(kept, rf.log[idx-rf.base+1:]...)
		rf.log = kept
	} else {
		rf.log = make([]LogEntry, 1)
	}
	rf.log[0] = LogEntry{Term: args.LastIncludedTerm}
	rf.base = idx
	rf.snapshot = args.Data
	rf.commitIndex = idx
	rf.snapshotPending = true
	rf.persist()
	rf.applyCond.Signal()
}

func (rf *Raft) sendInstallSnapshot(p int, args *InstallSnapshotArgs) {
	var reply InstallSnapshotReply
	if !rf.peers[p].Call("Raft.InstallSnapshot", args, &reply) {
		return
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if reply.Term > rf.currentTerm {
		rf.stepDown(reply.Term)
		rf.persist()
		return
	}
	if rf.currentTerm != args.Term || rf.role != leader {
		return
	}
	if args.LastIncludedIndex > rf.matchIndex[p] {
		rf.matchIndex[p] = args.LastIncludedIndex
	}
	if args.LastIncludedIndex+1 > rf.nextIndex[p] {
		rf.nextIndex[p] = args.LastIncludedIndex + 1
	}
	rf.advanceCommit()
}

// ---- background goroutines ----

// ticker starts elections and sends heartbeats.
func (rf *Raft) ticker() {
	for !rf.killed() {
		rf.mu.Lock()
		now := time.Now()
		if rf.role == leader {
			if rf.replicateSoon || !now.Before(rf.nextHeartbeat) {
				rf.broadcast()
			}
		} else if now.After(rf.electionDeadline) {
			rf.startElection()
		}
		rf.mu.Unlock()
		time.Sleep(tickInterval)
	}
}

// applier hands committed entries and installed snapshots to the service, in
// order, without holding rf.mu while it sends.
func (rf *Raft) applier() {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	for {
		for !rf.killed() && !rf.snapshotPending && rf.lastApplied >= rf.commitIndex {
			rf.applyCond.Wait()
		}
		if rf.killed() {
			return
		}
		if rf.snapshotPending {
			rf.snapshotPending = false
			if rf.base <= rf.lastApplied {
				continue
			}
			msg := raftapi.ApplyMsg{
				SnapshotValid: true,
				Snapshot:      rf.snapshot,
				SnapshotTerm:  rf.log[0].Term,
				SnapshotIndex: rf.base,
			}
			rf.mu.Unlock()
			rf.applyCh <- msg
			rf.mu.Lock()
			if msg.SnapshotIndex > rf.lastApplied {
				rf.lastApplied = msg.SnapshotIndex
			}
			continue
		}
		first, last := rf.lastApplied+1, rf.commitIndex
		if first <= rf.base {
			// Only a service that snapshots past what it was given gets here.
			rf.lastApplied = rf.base
			continue
		}
		msgs := make([]raftapi.ApplyMsg, 0, last-first+1)
		for i := first; i <= last; i++ {
			msgs = append(msgs, raftapi.ApplyMsg{
				CommandValid: true,
				Command:      rf.log[i-rf.base].Command,
				CommandIndex: i,
			})
		}
		rf.mu.Unlock()
		for _, m := range msgs {
			rf.applyCh <- m
		}
		rf.mu.Lock()
		if last > rf.lastApplied {
			rf.lastApplied = last
		}
	}
}

// Make creates a peer; peers[me] is this one. It returns at once.
func Make(peers []*labrpc.ClientEnd, me int,
	persister *tester.Persister, applyCh chan raftapi.ApplyMsg) raftapi.Raft {
	rf := &Raft{
		peers:     peers,
		persister: persister,
		me:        me,
		applyCh:   applyCh,
		votedFor:  -1,
		log:       make([]LogEntry, 1),
	}
	rf.applyCond = sync.NewCond(&rf.mu)
	rf.readPersist(persister.ReadRaftState())
	rf.snapshot = persister.ReadSnapshot()
	rf.resetElectionTimer()
	go rf.ticker()
	go rf.applier()
	return rf
}
