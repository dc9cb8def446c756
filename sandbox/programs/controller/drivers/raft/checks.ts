// The course tester's checks as pure functions and one small state machine,
// so each can be tested on made-up inputs: at most one leader per term, term
// agreement, and the per-peer copies of applied commands (the course's
// `logs`): every peer that applied index i applied the same command there,
// applies come in order with no gaps, a snapshot replaces a peer's copy, and
// nCommitted counts who applied an index. Failures are RaftCheckFailure (the
// student's); the tester's own trouble is RaftTesterError (ours).
import type { RaftDisagreement } from "../../../../../lib/checkers/evidence.js";
import type { TesterSnapshot } from "./snapshot.js";

/** A course check failed: the student's Raft is wrong. `check` names it for the report. */
export class RaftCheckFailure extends Error {
  override name = "RaftCheckFailure";
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(message);
  }
}

/** The tester could not do its job for a reason of ours (the runner, the fault channel, a bug): never the student's verdict. */
export class RaftTesterError extends Error {
  override name = "RaftTesterError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Node name of peer i (peer i is node n<i>). */
export const nodeName = (peer: number) => `n${peer}`;

/** "n1", "n1 and n3", "n0, n1 and n3". */
export function listPeers(peers: readonly number[]): string {
  const names = peers.map(nodeName);
  return names.length <= 1 ? (names[0] ?? "none") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** Whether two applied commands are the same (the course compares Go values: 5 and "5" differ). */
export function sameCommand(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A command as a reason shows it: long strings (RPCBytes's 5000 characters) cut. */
export function showCommand(command: unknown): string {
  const text = JSON.stringify(command) ?? String(command);
  return text.length > 40 ? `${text.slice(0, 24)}…(${text.length} characters)` : text;
}

/** A peer's answer to GetState. */
export interface PeerState {
  term: number;
  isLeader: boolean;
}

/** The leaders among the given states by term (null states: peers not asked or not answering). */
export function leadersByTerm(states: ReadonlyArray<PeerState | null>): Map<number, number[]> {
  const leaders = new Map<number, number[]>();
  states.forEach((s, peer) => {
    if (s?.isLeader) leaders.set(s.term, [...(leaders.get(s.term) ?? []), peer]);
  });
  return leaders;
}

/** checkOneLeader's test of one round: a failure when a term has two leaders; else the leader of the latest term with one, or null. */
export function oneLeaderOf(states: ReadonlyArray<PeerState | null>): number | null {
  const leaders = leadersByTerm(states);
  let latest = -1;
  for (const [term, peers] of leaders) {
    if (peers.length > 1) {
      const count = peers.length === 2 ? "two" : String(peers.length);
      throw new RaftCheckFailure("checkOneLeader", `${count} leaders in term ${term}: ${listPeers(peers)}`);
    }
    latest = Math.max(latest, term);
  }
  return latest === -1 ? null : leaders.get(latest)![0]!;
}

/** checkTerms: every given peer is in the same term (returns it; -1 when none was given). */
export function agreedTerm(states: ReadonlyArray<PeerState | null>): number {
  let term = -1;
  let first = -1;
  states.forEach((s, peer) => {
    if (!s) return;
    if (term === -1) {
      term = s.term;
      first = peer;
    } else if (s.term !== term) {
      throw new RaftCheckFailure("checkTerms", `servers disagree on term: ${nodeName(first)} is in term ${term}, ${nodeName(peer)} in term ${s.term}`);
    }
  });
  return term;
}

/** checkNoLeader: none of the given peers thinks it leads. */
export function checkNoLeaderAmong(states: ReadonlyArray<PeerState | null>): void {
  const leader = states.findIndex((s) => s?.isLeader);
  if (leader !== -1) {
    throw new RaftCheckFailure("checkNoLeader", `expected no leader among connected servers, but ${nodeName(leader)} claims to lead term ${states[leader]!.term}`);
  }
}

/** The course's SnapShotInterval: the tester snapshots after every 10 applied entries. */
export const SNAPSHOT_INTERVAL = 10;
/** Most disagreements kept as evidence. */
const MAX_DISAGREEMENTS = 20;

/**
 * Each peer's copy of the commands it applied, index by index, as the
 * course's tester keeps them, and the first apply error. In snapshot mode
 * (3D) a peer's applies must follow its last applied index exactly, and a
 * snapshot replaces its copy.
 */
export class ApplyLogs {
  private readonly logs: Array<Map<number, unknown>>;
  private readonly lastApplied: number[];
  private readonly applied: number[];
  private readonly snapshots: number[];
  /** The first apply error (the course's applyErr): set once, the test fails on it. */
  error: RaftCheckFailure | null = null;
  readonly disagreements: RaftDisagreement[] = [];
  /** Highest index any peer applied. */
  maxIndex = 0;

  constructor(
    readonly n: number,
    readonly snapshotMode: boolean,
  ) {
    this.logs = Array.from({ length: n }, () => new Map());
    this.lastApplied = new Array<number>(n).fill(0);
    this.applied = new Array<number>(n).fill(0);
    this.snapshots = new Array<number>(n).fill(0);
  }

  /** A restarted peer: its copy starts again, from the snapshot its Persister held when there is one (3D). */
  restart(peer: number, snapshot: TesterSnapshot | null): void {
    this.logs[peer] = new Map();
    this.lastApplied[peer] = 0;
    if (snapshot && this.snapshotMode) this.ingest(peer, snapshot);
  }

  /** The command peer applied at index, if it did. */
  logOf(peer: number, index: number): { ok: true; command: unknown } | { ok: false } {
    const log = this.logs[peer]!;
    return log.has(index) ? { ok: true, command: log.get(index) } : { ok: false };
  }

  lastAppliedOf(peer: number): number {
    return this.lastApplied[peer]!;
  }

  /** Peer applied command at index (a CommandValid ApplyMsg). Returns the error, which is also kept. */
  applyCommand(peer: number, index: number, command: unknown): RaftCheckFailure | null {
    this.applied[peer]!++;
    let err: RaftCheckFailure | null = null;
    if (this.snapshotMode && index !== this.lastApplied[peer]! + 1) {
      err = new RaftCheckFailure("apply", `${nodeName(peer)} applied index ${index} out of order: expected index ${this.lastApplied[peer]! + 1}`);
    }
    if (!err) {
      for (let other = 0; other < this.n; other++) {
        const old = this.logOf(other, index);
        if (old.ok && !sameCommand(old.command, command)) {
          this.noteDisagreement({ index, peer: nodeName(peer), command, otherPeer: nodeName(other), otherCommand: old.command });
          err = new RaftCheckFailure("apply", `${nodeName(peer)} applied ${showCommand(command)} at index ${index}, ${nodeName(other)} applied ${showCommand(old.command)}`);
        }
      }
      const prevOk = this.logs[peer]!.has(index - 1);
      this.logs[peer]!.set(index, command);
      this.maxIndex = Math.max(this.maxIndex, index);
      if (index > 1 && !prevOk) err = new RaftCheckFailure("apply", `${nodeName(peer)} applied index ${index} out of order: it had not applied index ${index - 1}`);
    }
    this.lastApplied[peer] = index;
    if (err && !this.error) this.error = err;
    return err;
  }

  /** Peer applied a snapshot (a SnapshotValid ApplyMsg) at snapshotIndex: its copy becomes the snapshot's. */
  applySnapshot(peer: number, snapshotIndex: number, snapshot: TesterSnapshot | null): RaftCheckFailure | null {
    this.snapshots[peer]!++;
    let err: RaftCheckFailure | null = null;
    if (!snapshot) err = new RaftCheckFailure("apply", `${nodeName(peer)} applied a snapshot at index ${snapshotIndex} that is not one the tester made (it could not be decoded)`);
    else if (snapshot.lastIncludedIndex !== snapshotIndex)
      err = new RaftCheckFailure("apply", `${nodeName(peer)} applied a snapshot whose SnapshotIndex ${snapshotIndex} does not match the snapshot's own index ${snapshot.lastIncludedIndex}`);
    else this.ingest(peer, snapshot);
    if (err && !this.error) this.error = err;
    return err;
  }

  /** The course's ingestSnap: the peer's copy is the snapshot's log. */
  private ingest(peer: number, snapshot: TesterSnapshot): void {
    const log = new Map<number, unknown>();
    snapshot.log.forEach((command, i) => {
      if (i > 0) log.set(i, command);
    });
    this.logs[peer] = log;
    // Index 0 holds nothing, as the course's xlog[0]; keep it so index 1's predecessor check passes.
    log.set(0, null);
    this.lastApplied[peer] = snapshot.lastIncludedIndex;
    this.maxIndex = Math.max(this.maxIndex, snapshot.lastIncludedIndex);
  }

  /** The log a snapshot at index holds: peer's commands 0..index (the course's xlog). */
  snapshotLog(peer: number, index: number): unknown[] {
    return Array.from({ length: index + 1 }, (_, j) => (j === 0 ? null : (this.logs[peer]!.get(j) ?? null)));
  }

  /** Whether the tester snapshots after peer applied index (the course: (index+1) % 10 == 0). */
  snapshotDue(index: number): boolean {
    return this.snapshotMode && (index + 1) % SNAPSHOT_INTERVAL === 0;
  }

  /** nCommitted: how many peers applied index, and the command; fails on an apply error or a mismatch. */
  nCommitted(index: number): { count: number; command: unknown } {
    if (this.error) throw this.error;
    let count = 0;
    let command: unknown = undefined;
    let first = -1;
    for (let peer = 0; peer < this.n; peer++) {
      const entry = this.logOf(peer, index);
      if (!entry.ok) continue;
      if (count > 0 && !sameCommand(command, entry.command)) {
        this.noteDisagreement({ index, peer: nodeName(first), command, otherPeer: nodeName(peer), otherCommand: entry.command });
        throw new RaftCheckFailure("nCommitted", `committed values at index ${index} do not match: ${nodeName(first)} applied ${showCommand(command)}, ${nodeName(peer)} applied ${showCommand(entry.command)}`);
      }
      if (count === 0) first = peer;
      count++;
      command = entry.command;
    }
    return { count, command };
  }

  /** Per peer: commands and snapshots applied, and the last index applied. */
  summary(): Array<{ peer: string; applied: number; lastIndex: number; snapshots: number }> {
    return this.lastApplied.map((lastIndex, peer) => ({ peer: nodeName(peer), applied: this.applied[peer]!, lastIndex, snapshots: this.snapshots[peer]! }));
  }

  private noteDisagreement(d: RaftDisagreement): void {
    if (this.disagreements.length >= MAX_DISAGREEMENTS) return;
    const cut = (c: unknown) => (typeof c === "string" && c.length > 64 ? showCommand(c) : c);
    this.disagreements.push({ ...d, command: cut(d.command), otherCommand: cut(d.otherCommand) });
  }
}

/** RPCBytes: the bytes agreement on `sentBytes` of commands may cost (the course: servers × bytes + 50,000). */
export function rpcBytesBound(servers: number, sentBytes: number): number {
  return servers * sentBytes + 50_000;
}

/** Count: RPCs to elect the first leader (the course: at most 30, at least 1). */
export const MAX_ELECTION_RPCS = 30;
/** Count: RPCs to agree on `iters` entries (the course: (iters + 1 + 3) × 3). */
export const agreementRpcBound = (iters: number) => (iters + 1 + 3) * 3;
/** Count: RPCs in one idle second (the course: 3 × 20). */
export const MAX_IDLE_RPCS = 3 * 20;
/** 3D: the largest persisted Raft state allowed with snapshots, bytes (the course's MAXLOGSIZE against RaftStateSize). */
export const MAX_LOG_BYTES = 2000;
