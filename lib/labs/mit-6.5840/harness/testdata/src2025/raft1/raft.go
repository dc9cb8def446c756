package raft

// A stand-in Raft for the harness's build and end-to-end tests (not a Raft:
// peer 0 always leads term 1 and pushes each command to every peer, which
// applies it in index order). It uses what a real one does: labrpc Calls
// between peers, labgob, the Persister, applyCh.

import (
	"bytes"
	"sync"
	"time"

	"6.5840/labgob"
	"6.5840/labrpc"
	"6.5840/raftapi"
	tester "6.5840/tester1"
)

type Raft struct {
	mu        sync.Mutex
	peers     []*labrpc.ClientEnd
	persister *tester.Persister
	me        int
	applyCh   chan raftapi.ApplyMsg
	log       []interface{}
	applied   int
	early     map[int]interface{}
	sendMu    []sync.Mutex
	dead      bool
}

type PushArgs struct {
	Index   int
	Command interface{}
}

type PushReply struct {
	Applied int
}

func (rf *Raft) GetState() (int, bool) { return 1, rf.me == 0 }

func (rf *Raft) PersistBytes() int { return rf.persister.RaftStateSize() }

func (rf *Raft) persist() {
	w := new(bytes.Buffer)
	e := labgob.NewEncoder(w)
	e.Encode(rf.log)
	e.Encode(rf.applied)
	rf.persister.Save(w.Bytes(), rf.persister.ReadSnapshot())
}

func (rf *Raft) Snapshot(index int, snapshot []byte) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	w := new(bytes.Buffer)
	e := labgob.NewEncoder(w)
	e.Encode(rf.log)
	e.Encode(rf.applied)
	rf.persister.Save(w.Bytes(), snapshot)
}

func (rf *Raft) Start(command interface{}) (int, int, bool) {
	if command == "crash" {
		panic("the stand-in Raft was asked to crash")
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.me != 0 {
		return -1, 1, false
	}
	rf.log = append(rf.log, command)
	index := len(rf.log)
	rf.persist()
	for i := range rf.peers {
		go rf.push(i, index, command)
	}
	return index, 1, true
}

func (rf *Raft) push(i, index int, command interface{}) {
	rf.sendMu[i].Lock()
	defer rf.sendMu[i].Unlock()
	for !rf.killed() {
		var reply PushReply
		if rf.peers[i].Call("Raft.Push", &PushArgs{Index: index, Command: command}, &reply) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (rf *Raft) Push(args *PushArgs, reply *PushReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if args.Index > rf.applied {
		rf.early[args.Index] = args.Command
	}
	for {
		cmd, ok := rf.early[rf.applied+1]
		if !ok {
			break
		}
		delete(rf.early, rf.applied+1)
		rf.applied++
		if rf.me != 0 {
			rf.log = append(rf.log, cmd)
		}
		rf.persist()
		rf.applyCh <- raftapi.ApplyMsg{CommandValid: true, Command: cmd, CommandIndex: rf.applied}
	}
	reply.Applied = rf.applied
}

func (rf *Raft) Kill() {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	rf.dead = true
}

func (rf *Raft) killed() bool {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.dead
}

func Make(peers []*labrpc.ClientEnd, me int,
	persister *tester.Persister, applyCh chan raftapi.ApplyMsg) raftapi.Raft {
	rf := &Raft{peers: peers, persister: persister, me: me, applyCh: applyCh,
		early: map[int]interface{}{}, sendMu: make([]sync.Mutex, len(peers))}
	if data := persister.ReadRaftState(); len(data) > 0 {
		d := labgob.NewDecoder(bytes.NewBuffer(data))
		d.Decode(&rf.log)
		d.Decode(&rf.applied)
	}
	return rf
}
