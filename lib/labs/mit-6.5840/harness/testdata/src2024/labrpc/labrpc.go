package labrpc

// Stand-in for the skeleton's simulated network (ours replaces it).

type Network struct{}

type ClientEnd struct{ simulated bool }
