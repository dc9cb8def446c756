package kvraft

// Another lab's folder: never built by the Raft build (this does not compile).

import "6.5840/kvraft1/rsm"

var _ = rsm.Missing
