#!/usr/bin/env python3
"""Derives the 2024-layout text of our reference Raft from the 2025 one.

The two references are kept in step by hand; this names the only differences
allowed between them (imports, where ApplyMsg and Persister live, what Make
returns), so check.sh can show any other difference as drift:

    python3 twin-2024.py raft-2025/raft1/raft.go | diff - raft-2024/raft/raft.go
"""
import sys

APPLY_MSG = '''// ApplyMsg is sent on applyCh for each committed entry (CommandValid) or
// installed snapshot (SnapshotValid), in log order; the 2024 skeleton declares
// it in raft.go, so we do too.
type ApplyMsg struct {
	CommandValid bool
	Command      interface{}
	CommandIndex int

	SnapshotValid bool
	Snapshot      []byte
	SnapshotTerm  int
	SnapshotIndex int
}

// LogEntry is one entry of the replicated log.'''

SUBSTITUTIONS = [
    ("2025 layout (package\n// raft in src/raft1, against raftapi and tester1). Written from the extended Raft\n// paper",
     "2024 layout (package\n// raft in src/raft; ApplyMsg is declared here, Persister is in the package).\n// Written from the extended Raft paper"),
    ("// TWIN: ../../raft-2024/raft/raft.go is the same logic in the 2024 layout.",
     "// TWIN: ../../raft-2025/raft1/raft.go is the same logic in the 2025 layout."),
    ('\t"6.5840/labrpc"\n\t"6.5840/raftapi"\n\ttester "6.5840/tester1"\n', '\t"6.5840/labrpc"\n'),
    ("// LogEntry is one entry of the replicated log.", APPLY_MSG),
    ("*tester.Persister", "*Persister"),
    ("chan raftapi.ApplyMsg", "chan ApplyMsg"),
    ("raftapi.ApplyMsg", "ApplyMsg"),
    ("applyCh chan ApplyMsg) raftapi.Raft {", "applyCh chan ApplyMsg) *Raft {"),
]


def main() -> None:
    text = open(sys.argv[1]).read()
    for old, new in SUBSTITUTIONS:
        if old not in text:
            sys.exit(f"twin-2024.py: the 2025 reference no longer contains {old!r}")
        text = text.replace(old, new)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
