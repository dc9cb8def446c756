package raftapi

// Stand-in for the skeleton's raftapi (ours replaces it).

type Raft interface{ Skeleton() }
