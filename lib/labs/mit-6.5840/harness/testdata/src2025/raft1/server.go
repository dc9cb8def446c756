package raft

// Stand-in for the skeleton's tester-side server.

type rfsrv struct {
	ts *Test
}
