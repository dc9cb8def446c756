package raft

// Stand-in for the skeleton's in-process tester: it cannot build against our labrpc.

import (
	"testing"

	"6.5840/labrpc"
	tester "6.5840/tester1"
)

type Test struct {
	*tester.Config
	t   *testing.T
	net *labrpc.Network
}
