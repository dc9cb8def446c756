package raft

// Stand-in for the skeleton's in-process tester: it cannot build against our labrpc.

import "6.5840/labrpc"
import "testing"

type config struct {
	t   *testing.T
	net *labrpc.Network
}
