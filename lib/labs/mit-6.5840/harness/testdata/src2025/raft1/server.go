package raft

// Stand-in for the skeleton's tester-side server (removed by its name).

type peerService struct {
	ts *Test
}
