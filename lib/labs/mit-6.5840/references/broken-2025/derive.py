#!/usr/bin/env python3
"""Writes each broken variant of our 2025 reference Raft from the reference.

Each variant is the reference with one bug, as small a change as we could make
it, in <name>/raft1/raft.go beside a BROKEN.md naming the course test it fails
and why. Deriving them keeps them in step with the reference: change the
reference, run this, and every variant carries the change.

    python3 derive.py           # (re)write every variant
    python3 derive.py --check   # fail if a variant is out of step
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "raft-2025", "raft1", "raft.go")

VARIANTS = [
    {
        "name": "votes-twice",
        "fixture": "TestFxOneVotePerTerm",
        "fails": "TestOneVotePerTerm3A (a test of ours; the course's TestReElection3A and TestManyElections3A catch it only in some runs)",
        "why": "RequestVote grants a vote to any up-to-date candidate of the current term "
        "without checking votedFor, so two candidates of one term can both win a majority "
        "and the term has two leaders (the checkers look for two leaders in a term).",
        "changes": [
            (
                """	if args.Term == rf.currentTerm && upToDate &&
		(rf.votedFor == -1 || rf.votedFor == args.CandidateId) {""",
                """	if args.Term == rf.currentTerm && upToDate { // BROKEN: votedFor is not checked""",
            ),
        ],
    },
    {
        "name": "never-persists",
        "fixture": "TestFxPersist, TestFxSnapshots",
        "fails": "TestPersist13C",
        "why": "persist() saves nothing, so a restarted peer comes back with term 0 and an "
        "empty log: after every peer restarts, 12 is committed at index 1 instead of 2 and "
        "index 4 is never committed on all three (the test waits for it).",
        "changes": [
            (
                """func (rf *Raft) persist() {
	rf.persister.Save(rf.encodeState(), rf.snapshot)
}""",
                """func (rf *Raft) persist() {
	// BROKEN: nothing is saved.
}""",
            ),
        ],
    },
    {
        "name": "slow-backup",
        "fixture": "TestFxBackup",
        "fails": "TestBackup3B",
        "why": "after a rejected AppendEntries the leader backs nextIndex up by one entry and "
        "waits for the next heartbeat, and each AppendEntries carries one entry, so a follower "
        "holding 50 entries of an old term needs a heartbeat (100 ms) for each of them and another "
        "for each entry it lacks: over 10 s, and one() gives up after 10 s.",
        "changes": [
            (
                """	next := reply.XLen
	if reply.XTerm != -1 {""",
                """	next := args.PrevLogIndex // BROKEN: one entry per RPC; XTerm/XIndex/XLen are ignored
	if false {""",
            ),
            (
                """		rf.saveOwnEntries()
		rf.sendTo(p) // retry at once rather than a heartbeat later
""",
                """		// BROKEN: no retry until the next heartbeat.
""",
            ),
            (
                """	prev := rf.nextIndex[p] - 1
""",
                """	prev := rf.nextIndex[p] - 1
	entries := rf.entriesFrom(prev + 1)
	if len(entries) > 1 {
		entries = entries[:1] // BROKEN: one entry per AppendEntries
	}
""",
            ),
            (
                """		Entries:      rf.entriesFrom(prev + 1),""",
                """		Entries:      entries,""",
            ),
        ],
    },
    {
        "name": "figure8",
        "fixture": "TestFxFigure8Scenario",
        "fails": "TestFigure8Scenario3C (a test of ours; the course's TestFigure83C and TestFigure8Unreliable3C catch it only in some runs)",
        "why": "the leader commits any index a majority holds, also an earlier term's entry "
        "(Figure 8 of the paper), which a later leader can overwrite, so two peers apply "
        "different commands at one index.",
        "changes": [
            (
                """	for n := rf.lastIndex(); n > rf.commitIndex && rf.termAt(n) == rf.currentTerm; n-- {""",
                """	for n := rf.lastIndex(); n > rf.commitIndex; n-- { // BROKEN: any term's entry commits by counting""",
            ),
        ],
    },
    {
        "name": "sync-rpc",
        "fixture": "TestFxFailures, TestFxBackup, TestFxPersist, TestFxSnapshots",
        "fails": "TestFailAgree3B and TestRejoin3B (TestFailNoAgree3B in some runs)",
        "why": "the leader's heartbeat loop sends AppendEntries to one peer after another and "
        "waits for each reply, so one cut-off peer (a call that gives up only after up to 7 s) "
        "holds up the others' entries and heartbeats: with one follower cut off, a command "
        "reaches the other only after the leader's call to the cut one gives up (FailAgree's "
        "one() allows 2 s), and the starved followers depose the leader over and over (Rejoin's "
        "one() gives up after 10 s).",
        "changes": [
            (
                """	for p := range rf.peers {
		if p != rf.me {
			rf.sendTo(p)
		}
	}""",
                """	for p := range rf.peers {
		if p != rf.me && rf.role == leader {
			rf.sendTo(p)
		}
	}""",
            ),
            (
                """	go rf.sendAppendEntries(p, &args)
}""",
                """	// BROKEN: waits for the reply (up to 7 s for a cut-off peer) before the next peer.
	rf.mu.Unlock()
	rf.sendAppendEntries(p, &args)
	rf.mu.Lock()
}""",
            ),
        ],
    },
    {
        "name": "no-install-snapshot",
        "fixture": "TestFxSnapshots",
        "fails": "TestSnapshotInstall3D",
        "why": "the leader never sends InstallSnapshot, so a follower that fell behind the "
        "leader's snapshot is never brought up to date and one() cannot reach all servers.",
        "changes": [
            (
                """		go rf.sendInstallSnapshot(p, &args)
		return""",
                """		_ = args // BROKEN: InstallSnapshot is never sent.
		return""",
            ),
        ],
    },
]


def derive(reference: str, variant: dict) -> str:
    text = reference
    for old, new in variant["changes"]:
        if text.count(old) != 1:
            sys.exit(f"derive.py: {variant['name']}: the reference no longer contains, once:\n{old}")
        text = text.replace(old, new)
    header = "package raft\n"
    note = (
        f"package raft\n\n// BROKEN VARIANT {variant['name']} of Labgrade's 2025 reference Raft, written by\n"
        f"// ../../derive.py: see BROKEN.md. Fails {variant['fails']}.\n"
    )
    return text.replace(header, note, 1)


def broken_md(variant: dict) -> str:
    return (
        f"# {variant['name']}\n\n"
        f"Fails: {variant['fails']}.\n\n"
        f"Why: {variant['why']}\n\n"
        f"Our fixtures' in-process test (tests/fixtures/mit-6.5840, check.sh --broken) fails it in "
        f"{variant['fixture']}.\n\n"
        "This is `../raft-2025/raft1/raft.go` with one bug (the lines marked `BROKEN`), "
        "written by `../derive.py`; do not edit it by hand.\n"
    )


def main() -> None:
    check = "--check" in sys.argv[1:]
    reference = open(REFERENCE).read()
    stale = []
    for v in VARIANTS:
        files = {
            os.path.join(HERE, v["name"], "raft1", "raft.go"): derive(reference, v),
            os.path.join(HERE, v["name"], "BROKEN.md"): broken_md(v),
        }
        for path, text in files.items():
            if check:
                if not os.path.exists(path) or open(path).read() != text:
                    stale.append(path)
                continue
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
    if stale:
        sys.exit("derive.py: out of step with the reference (run derive.py):\n  " + "\n  ".join(stale))


if __name__ == "__main__":
    main()
