package raft

// Stand-in for tester-side code under another name (removed for using rfsrv).

type rfsrv struct{ peerService }
