// The contract between the runner and the test controller container: what
// one test's client side must do (passed as JSON in LABGRADE_TEST, parsed by
// both ends), and the record it leaves: the history file, one ControllerLine
// per line, written to a volume of its own (not the container's log, which
// Docker may rotate and cut). The runner checks the record is whole before
// judging (checkRecord).
import { z } from "zod";
import type { RaftEvidence } from "../../../lib/checkers/evidence.js";
import type { HistoryEvent } from "../../../lib/history.js";
import { RAFT_TEST_NAMES, RAFT_TESTS } from "../../../lib/labs/mit-6.5840/raft-tests.js";
import type { JournalEntry, JournalTail } from "../agent/journal.js";
import type { AgentStats } from "../agent/wire.js";

/** Where the history volume is mounted in the controller container, and the record's name in it. */
export const RECORD_DIR = "/history";
export const RECORD_FILE = "record.jsonl";
/** Format of the record's first line. */
export const RECORD_FORMAT = "labgrade-controller-record/1";
/** Largest record the controller writes; past it the test stops with a limit violation. */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;
/**
 * The agents' message journals (agent/journal.ts), one JournalFileLine per
 * line, in a file of their own beside the record: the journal is for the
 * report only, so it can never fill the record and stop a test.
 */
export const JOURNAL_FILE = "journal.jsonl";
/** Largest journal file the controller writes; past it a node's journal is cut and says so. */
export const MAX_JOURNAL_FILE_BYTES = 16 * 1024 * 1024;
/** Longest error text kept from a reply; longer ones are cut (the code is what counts). */
export const MAX_ERROR_TEXT_CHARS = 1000;

/** What the raft driver needs (drivers/raft/): the course test and where the peers' control ports are. */
export const raftSpecSchema = z.object({
  /** The course test to run, by its name (lib/labs/mit-6.5840/raft-tests.ts), e.g. TestFigure83C. */
  test: z.enum(RAFT_TEST_NAMES),
  /** Each peer's control port as host:port, by peer number; default n<i>:7001 (Contract 2). Tests point the driver at their own fake peer hosts with it. */
  controlAddresses: z
    .array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "host:port"))
    .optional(),
  /** How long the runner may take to carry out one fault before the test stops as our failure (never the student's). */
  faultTimeoutMs: z.number().int().positive().default(60_000),
  /** How long a restarted peer may take to accept the tester's connection and say hello, ms. */
  restartTimeoutMs: z.number().int().positive().default(30_000),
  /** How long one control request (start, state, snapshot, …) may go unanswered before the peer counts as stuck, ms. */
  requestTimeoutMs: z.number().int().positive().default(5_000),
  /** Fail as soon as two peers are seen leading one term, at any times (the tester's samples, GetState, Start): beyond the course's checkOneLeader, never a false alarm. */
  electionSafetyAlways: z.boolean().default(true),
  /** The course's timing, scaled (1 = the course's: election timeout 1 s, one() 10 s). Only our own tests of the driver change it. */
  timeScale: z.number().positive().max(1).default(1),
});

export type RaftSpec = z.infer<typeof raftSpecSchema>;

export const controllerSpecSchema = z.object({
  /** What drives the client side (controller/drivers): the workload's clients, or the distributed Raft tester (which needs `raft`). */
  driver: z.enum(["workload", "raft"]).default("workload"),
  /** The raft driver's settings (required with driver "raft"). */
  raft: raftSpecSchema.optional(),
  /** Workload name (see lib/workloads). */
  workload: z.string(),
  /** maelstrom: our agent fronts each node (and reports message counts); native: the program serves clients itself. */
  protocol: z.enum(["maelstrom", "native"]).default("maelstrom"),
  /** Node ids of the cluster, reachable by these names on the lab network. */
  nodeIds: z.array(z.string().regex(/^n\d+$/)).min(1),
  /** Number of concurrent client processes. */
  concurrency: z.number().int().min(1).max(100),
  /** Target operations per second across all clients. */
  ratePerSecond: z.number().positive().max(10_000),
  /** Length of the main phase, in milliseconds. */
  durationMs: z.number().int().positive(),
  /** Seed of every generated operation (u64, decimal). */
  seed: z.string().regex(/^\d{1,20}$/),
  /** The test's settings for its workload (lib/workloads/<name>: its `options`), checked by the workload's own schema. */
  options: z.record(z.string(), z.unknown()).default({}),
  /** Wait after the main phase (faults healed) before the final operations. */
  recoveryMs: z.number().int().min(0).default(0),
  /** A request with no reply in this time is recorded as `info`. */
  requestTimeoutMs: z.number().int().positive().default(5000),
  /** How long to wait for every node's agent to accept clients (after init_ok). */
  readyTimeoutMs: z.number().int().positive().default(20_000),
  /** Where the controller writes its record (a file on the history volume). */
  recordPath: z.string().default(`${RECORD_DIR}/${RECORD_FILE}`),
}).superRefine((spec, ctx) => {
  if (spec.driver !== "raft") return;
  if (!spec.raft) {
    ctx.addIssue({ code: "custom", path: ["raft"], message: "the raft driver needs `raft` (the course test to run)" });
    return;
  }
  const servers = RAFT_TESTS.find((t) => t.name === spec.raft!.test)!.servers;
  if (spec.nodeIds.length !== servers) {
    ctx.addIssue({ code: "custom", path: ["nodeIds"], message: `${spec.raft.test} runs on ${servers} peers, but the cluster has ${spec.nodeIds.length} nodes` });
  }
  if (spec.raft.controlAddresses && spec.raft.controlAddresses.length !== spec.nodeIds.length) {
    ctx.addIssue({ code: "custom", path: ["raft", "controlAddresses"], message: `one control address per peer: ${spec.nodeIds.length} wanted, ${spec.raft.controlAddresses.length} given` });
  }
  spec.nodeIds.forEach((id, i) => {
    if (id !== `n${i}`) ctx.addIssue({ code: "custom", path: ["nodeIds", i], message: `Raft peer ${i} must be node n${i}, got ${id}` });
  });
});

export type ControllerSpec = z.infer<typeof controllerSpecSchema>;
/** What a caller provides (defaults filled in by the schema). */
export type ControllerSpecInput = z.input<typeof controllerSpecSchema>;

/** A limit the nodes broke during the test: the verdict is LIMIT_EXCEEDED, whatever the checker would say. */
export interface LimitViolation {
  /** The node at fault, when one is. */
  node?: string;
  limit: "reply_size" | "record_size";
  /** In plain words, for the student. */
  detail: string;
}

/** A peer's state as the raft driver sampled it: its term and whether it thinks it leads. */
export interface RaftPeerSample {
  term: number;
  leader: boolean;
}

/** A fault the raft driver ordered and what the runner answered (Contract 3). */
export interface RaftFaultLine {
  id: number;
  kind: string;
  node?: string;
  /** The other end, for cutLink and joinLink. */
  peer?: string;
  /** ms since the test began. */
  askedMs: number;
  /** null: the runner never answered. */
  doneMs: number | null;
  ok: boolean;
  detail: string;
}

/** The raft driver's outcome of the course test: pass or fail (the student's), with the reason in words. */
export interface RaftVerdictLine {
  pass: boolean;
  test: string;
  reason: string;
  evidence: RaftEvidence;
}

/**
 * One line of the journal file: a part of a node's journal as its agent sent
 * it, the agent's tail (what it did not keep), or why the controller got no
 * (or not all of the) journal from that node.
 */
export type JournalFileLine =
  | { node: string; entries: JournalEntry[] }
  | { node: string; tail: JournalTail }
  | { node: string; missing: string };

/** One line of the controller's record. */
export type ControllerLine =
  | { header: { format: typeof RECORD_FORMAT; seed: string; workload: string; driver?: "workload" | "raft"; test?: string } }
  /** Every peer's term and role (null: down or no answer), by peer number, every 100 ms. */
  | { raft: { tMs: number; peers: Array<RaftPeerSample | null> } }
  /** One ApplyMsg of one peer (bounded: past MAX_APPLY_LINES only counted); long commands are cut. */
  | { apply: { tMs: number; peer: string; index?: number; command?: unknown; snapshotIndex?: number; snapshotTerm?: number } }
  | { raftFault: RaftFaultLine }
  /** A step of the course test ("checking for a single leader", "disconnect n1"). */
  | { raftStep: { tMs: number; text: string } }
  /** A peer's RPC counters at the end of the test (its peer host's own count). */
  | { rpcStats: { peer: string; rpcs: number; bytesSent: number; bytesReceived: number } }
  | { verdict: RaftVerdictLine }
  /** The raft driver could not run the test for a reason of ours (the runner did not carry out a fault, a bug): never the student's verdict. */
  | { testerError: { code: string; message: string } }
  | { event: HistoryEvent }
  | { stats: AgentStats }
  | { ready: { nodes: string[]; waitedMs: number } }
  | { violation: LimitViolation }
  | { done: { operations: number; elapsedMs: number } }
  | { fatal: { message: string } }
  /** The last line: how many lines came before it. */
  | { end: { lines: number } };

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The agents' counters as the runner accepts them: an agent runs beside the
 * student's program and could be made to say anything, so every figure is
 * checked before it is stored (and none of them is used for grading).
 */
export const agentStatsSchema = z
  .object({
    node: z.string().regex(/^n\d+$/),
    serverMessagesSent: count,
    serverMessagesReceived: count,
    clientMessagesIn: count,
    clientMessagesOut: count,
    oversizeDropped: count,
    malformedStdoutLines: count,
    unknownDestinations: count,
    refusedDatagrams: count,
    sentByType: z.record(z.string().max(64), count).refine((types) => Object.keys(types).length <= 200, "at most 200 message types"),
  })
  .strict();

/** Most apply lines the raft driver records; later applies are still checked, only not written. */
export const MAX_APPLY_LINES = 20_000;

const evidenceCount = z.number().int().min(0);
/** The raft verdict line as the judge accepts it (our controller writes it; still checked, the record is data). */
export const raftVerdictSchema = z.object({
  pass: z.boolean(),
  test: z.enum(RAFT_TEST_NAMES),
  reason: z.string().max(2000),
  evidence: z.object({
    kind: z.literal("raft"),
    test: z.string(),
    failedCheck: z.string().optional(),
    elapsedMs: z.number().min(0),
    timeline: z.array(z.object({ peer: z.string(), fromMs: z.number(), toMs: z.number(), term: z.number().int().nullable(), leader: z.boolean() })).max(10_000),
    faults: z
      .array(z.object({ kind: z.string(), node: z.string().optional(), peer: z.string().optional(), askedMs: z.number(), doneMs: z.number().nullable(), ok: z.boolean(), detail: z.string() }))
      .max(5_000),
    applies: z.array(z.object({ peer: z.string(), applied: evidenceCount, lastIndex: evidenceCount, snapshots: evidenceCount })),
    disagreements: z.array(z.object({ index: z.number().int(), peer: z.string(), command: z.unknown(), otherPeer: z.string(), otherCommand: z.unknown() })).max(50),
    rpcs: z.array(
      z.object({ peer: z.string(), rpcs: evidenceCount.nullable(), bytesSent: evidenceCount.nullable(), bytesReceived: evidenceCount.nullable() }),
    ),
  }),
});

/** Why a record is not whole, or null when it is. */
export function checkRecord(lines: readonly ControllerLine[]): string | null {
  const first = lines[0];
  if (!first || !("header" in first) || first.header.format !== RECORD_FORMAT) return "the record does not start with its header";
  const last = lines[lines.length - 1];
  if (!last || !("end" in last)) return "the record has no end line (the controller stopped before finishing it)";
  if (last.end.lines !== lines.length - 1) return `the record's end line counts ${last.end.lines} lines but ${lines.length - 1} came before it`;
  let next = 0;
  for (const line of lines) {
    if (!("event" in line)) continue;
    if (line.event.index !== next) return `history event ${next} is missing (found index ${line.event.index} in its place)`;
    next++;
  }
  return null;
}
