package labgob

// Stand-in for the skeleton's labgob (ours replaces it).

func Skeleton() {}
