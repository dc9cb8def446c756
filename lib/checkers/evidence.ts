// The evidence behind a verdict, as a union keyed by `kind`: each checker
// returns its own kind, the runner's judgement adds "run" (limits, stopped
// nodes, a controller that gave up), and the report page picks its sections
// by kind (lib/reports/run-report.ts reads stored evidence back, naming the
// kind of results stored before kinds existed). Small enough to store with
// the result; lists are cut to a few examples.

/** One operation as evidence shows it (linearizability counterexamples). */
export interface EvidenceOp {
  process: number;
  f: string;
  type: "ok" | "fail" | "info" | "pending";
  value: unknown;
  startUs: number;
  endUs: number | null;
  node: string;
  /** How a fail or info ended: the Maelstrom error code and text. */
  error?: { code: number; text: string };
}

export interface EchoEvidence {
  kind: "echo";
  operations: number;
  ok: number;
  fail: number;
  info: number;
  mismatched: number;
  examples?: Array<{ sent: unknown; received: unknown; node: string; timeUs: number }>;
}

export interface UniqueIdsEvidence {
  kind: "unique-ids";
  operations: number;
  ok: number;
  fail: number;
  info: number;
  distinctIds: number;
  duplicatedIds: number;
  withoutId: number;
  examples?: unknown[];
}

export interface SetCompletenessEvidence {
  kind: "set-completeness";
  attempted: number;
  acknowledged: number;
  failed: number;
  indeterminate: number;
  reads: number;
  finalReads: number;
  lost: number;
  neverRead: number;
  stale: number;
  duplicatedReads: number;
  unexpected: number;
  malformedReads: number;
  /** Quantiles ("0", "0.5", …, "1") of the time until a value was in every read, in ms; null when none became stable. */
  stableLatencyMs: Record<string, number> | null;
  lostByNode?: Record<string, unknown[]>;
  neverReadValues?: unknown[];
  unexpectedExamples?: unknown[];
  malformedExamples?: unknown[];
  duplicatedExamples?: unknown[];
  nodesWithoutFinalRead?: string[];
}

export interface CounterEvidence {
  kind: "counter";
  adds: number;
  acknowledgedAdds: number;
  indeterminateAdds: number;
  acknowledgedSum: number;
  finalAcceptable: Array<[number, number]>;
  reads: number;
  badFinalReads: number;
  badReads: number;
  examples?: unknown[];
  nodesWithoutFinalRead?: string[];
}

export interface KafkaEvidence {
  kind: "kafka";
  sends: number;
  acknowledgedSends: number;
  polls: number;
  /** Final polls answered, over all nodes (a node may be polled many times to reach the end of its logs). */
  finalPolls: number;
  commits: number;
  listings: number;
  lost: number;
  neverPolled: number;
  skipped: number;
  conflictingOffsets: number;
  nonmonotonicSends: number;
  nonmonotonicPolls: number;
  unexpected: number;
  /** Listings of a committed offset so far ahead of the commits that a consumer starting there skips a message (judged). */
  committedAhead: number;
  /** Listings lower than an acknowledged commit (allowed: consumers re-read; reported, not judged). */
  committedBehind: number;
  duplicated: number;
  malformedReplies: number;
  lostByNode?: Record<string, unknown[]>;
  nodesWithoutFinalPoll?: string[];
  /** Examples of each anomaly, by name (neverPolledExamples, skippedExamples, …). */
  [examples: `${string}Examples`]: unknown[] | undefined;
}

/** A linearizability check: counts always; a violation adds the failing key's minimal counterexample. */
export interface LinearizabilityEvidence {
  kind: "linearizability";
  operations?: number | EvidenceOp[];
  ok?: number;
  fail?: number;
  /** Failed operations that saw something of their key (error 20: absent; a cas's 22: not its `from`), among `fail`. */
  observingFailures?: number;
  indeterminate?: number;
  keys?: number;
  searchSteps?: number;
  budgetMs?: number;
  memoryBudgetMb?: number;
  /** Undecided keys whose search outgrew the memory budget (the rest ran out of time). */
  keysOverMemoryBudget?: number;
  undecidedKeys?: unknown[];
  /** The failing key, its counterexample and the operation no order explains. */
  key?: unknown;
  impossible?: EvidenceOp;
  lastCompletedWrite?: unknown;
  valueWrittenBy?: EvidenceOp;
  initialValue?: "any" | "absent";
  startsAtUs?: number;
  omittedOperations?: number;
  minimal?: boolean;
  failingKeys?: unknown[];
  summary?: { operations: number; ok: number; fail: number; observingFailures: number; indeterminate: number; keys: number; searchSteps: number };
}

/** What the runner found before (or instead of) the checker: limits broken, nodes stopped, a controller that gave up. */
export interface RunEvidence {
  kind: "run";
  oomKilled?: string[];
  lineTooLong?: string[];
  violations?: Array<{ node?: string; limit: string; detail: string }>;
  nodes?: Array<{ id: string; exitCode: number | null }>;
}

/** One stretch of a Raft peer's life as the tester sampled it (every 100 ms): its term and role, or down. */
export interface RaftPeerSpan {
  peer: string;
  fromMs: number;
  toMs: number;
  /** null: the peer was down (crashed) or did not answer. */
  term: number | null;
  leader: boolean;
}

/** Two peers that applied different commands at one index (the course's "committed values do not match"). */
export interface RaftDisagreement {
  index: number;
  peer: string;
  command: unknown;
  otherPeer: string;
  otherCommand: unknown;
}

/**
 * A Raft test run by our distributed tester (MIT 6.5840 lab 3): the course
 * test, the check that failed (if one did) in words, each peer's terms and
 * roles over time, the faults the test ordered, applies and RPCs per peer.
 * Times are ms since the test began.
 */
export interface RaftEvidence {
  kind: "raft";
  /** The course's test name, e.g. TestFigure83C. */
  test: string;
  /** The check that failed (checkOneLeader, one, nCommitted, apply, count, rpcBytes, logSize, timeLimit, …), or absent on a pass. */
  failedCheck?: string;
  elapsedMs: number;
  /** Per peer, its term and role in stretches (cut to the last few hundred per peer). */
  timeline: RaftPeerSpan[];
  /** The faults the test ordered and what the runner answered. */
  faults: Array<{ kind: string; node?: string; /** A cut or joined link's other end. */ peer?: string; askedMs: number; doneMs: number | null; ok: boolean; detail: string }>;
  /** Per peer: commands applied and the highest index applied. */
  applies: Array<{ peer: string; applied: number; lastIndex: number; snapshots: number }>;
  /** Applies that disagree (empty when none did). */
  disagreements: RaftDisagreement[];
  /** Per peer, the RPCs it sent and the bytes of its frames, from its peer host at the end (null: it was down). */
  rpcs: Array<{ peer: string; rpcs: number | null; bytesSent: number | null; bytesReceived: number | null }>;
}

export type Evidence = EchoEvidence | UniqueIdsEvidence | SetCompletenessEvidence | CounterEvidence | KafkaEvidence | LinearizabilityEvidence | RunEvidence | RaftEvidence;
export type EvidenceKind = Evidence["kind"];

/** The evidence as the kind the caller expects; throws (naming both) when it is another. */
export function evidenceOfKind<K extends EvidenceKind>(evidence: Evidence, kind: K): Extract<Evidence, { kind: K }> {
  if (evidence.kind !== kind) throw new Error(`expected ${kind} evidence, got ${evidence.kind}`);
  return evidence as Extract<Evidence, { kind: K }>;
}
