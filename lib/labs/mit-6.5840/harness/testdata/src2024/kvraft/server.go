package kvraft

// Another lab's folder: never built by the Raft build (this does not compile).

var _ = missing.Thing
