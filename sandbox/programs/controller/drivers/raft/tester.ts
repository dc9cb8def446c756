// The distributed tester's core: the course tester's operations and checks
// (checkOneLeader with its ten tries, checkTerms, checkNoLeader, one() with
// its 10-s and 2-s budgets, wait, nCommitted, the RPC, byte and log-size
// figures) over real peers reached through their control ports (PeerHosts)
// and real faults carried out by the runner (FaultChannel). Each course test
// (tests-3a.ts …) is a sequence of these calls.
//
// Two kinds of stop: a course check failing is a RaftCheckFailure (the
// student's verdict); the runner or this tester failing is a RaftTesterError
// (ours, retried, never a verdict). Time the runner spends on faults (a
// container's SIGKILL and restart, a firewall change) is counted apart, so the
// course's 120-s limit applies to the test's own time.
import type { RaftEvidence } from "../../../../../lib/checkers/evidence.js";
import { COURSE_TIME_LIMIT_MS, type RaftTestInfo } from "../../../../../lib/labs/mit-6.5840/raft-tests.js";
import type { Random } from "../../../../../lib/random.js";
import type { ControllerLine, RaftFaultLine, RaftPeerSample } from "../../spec.js";
import { MAX_APPLY_LINES } from "../../spec.js";
import { ApplyLogs, agreedTerm, checkNoLeaderAmong, listPeers, nodeName, oneLeaderOf, RaftCheckFailure, RaftTesterError, sameCommand, showCommand, type PeerState } from "./checks.js";
import { decodeSnapshot, encodeSnapshot } from "./snapshot.js";
import { Timeline } from "./timeline.js";

/** The course's election timeout (RaftElectionTimeout): the tester allows elections one second. */
export const RAFT_ELECTION_TIMEOUT_MS = 1000;

/** A peer host's request ops and their replies (Contract 2). */
export type ControlRequest =
  | { op: "start"; command: unknown }
  | { op: "state" }
  | { op: "snapshot"; index: number; snapshot: string }
  | { op: "persistBytes" }
  | { op: "rpcStats" }
  | { op: "kill" };

export interface ControlReply {
  index?: number;
  term?: number;
  isLeader?: boolean;
  ok?: boolean;
  bytes?: number;
  rpcs?: number;
  bytesSent?: number;
  bytesReceived?: number;
  /** Optional (beyond Contract 2): the bytes of the encoded arguments of the RPCs this peer sent, what labrpc's byte count counts. */
  argsBytes?: number;
  error?: string;
}

/** The peer host's first line on a connection. */
export interface Hello {
  me: number;
  layout: string;
  restored: { raftStateBytes: number; snapshotBytes: number; snapshot: string };
}

/** One ApplyMsg as the peer host sends it. */
export type ApplyMessage =
  | { commandValid: true; command: unknown; commandIndex: number }
  | { snapshotValid: true; snapshot: string; snapshotTerm: number; snapshotIndex: number };

/** The peers' control connections, as the tester uses them (peers.ts over TCP; tests use fakes). */
export interface PeerHosts {
  readonly n: number;
  /** One request; undefined when no reply came within the request timeout or the peer is not connected. */
  request(peer: number, req: ControlRequest): Promise<ControlReply | undefined>;
  /** The peer is about to be crashed: the end of its connection is expected; drop it. */
  crashing(peer: number): void;
  /** The peer was restarted: connect again; resolves with its hello, or undefined when none came in time. */
  reconnect(peer: number): Promise<Hello | undefined>;
  /** Where applies go: the tester sets it. Called in order per peer, for the current connection only. */
  onApply: (peer: number, msg: ApplyMessage) => void;
  /** Where hellos go: called as the hello is read, before any apply of that connection. */
  onHello: (peer: number, hello: Hello) => void;
}

export type FaultKind = "disconnect" | "connect" | "cutLink" | "joinLink" | "crash" | "restart" | "pause" | "resume" | "unreliable" | "reliable" | "longReordering" | "noLongReordering";

export interface FaultAnswer {
  ok: boolean;
  atMs?: number;
  detail?: string;
}

/** The runner's end of the fault channel (faults.ts: stdout/stdin). Resolves with the runner's answer; rejects with RaftTesterError on a timeout. */
export interface FaultChannel {
  /** `peer`: the link's other end, for cutLink and joinLink. */
  order(kind: FaultKind, node?: string, peer?: string): Promise<FaultAnswer>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms))),
};

export interface TesterOptions {
  info: RaftTestInfo;
  peers: PeerHosts;
  faults: FaultChannel;
  rng: Random;
  record: (line: ControllerLine) => void;
  clock?: Clock;
  /** The course's timing scaled (1 = the course's); only our own tests of the driver use less. */
  timeScale?: number;
  /** Also fail when any two answers, at any times, show two peers leading one term (beyond the course, which looks only inside checkOneLeader). */
  electionSafetyAlways?: boolean;
}

/** A request whose peer the test crashed before it answered (only concurrent clients meet it, and treat it as a crashed peer). */
const PEER_CRASHED_MID_REQUEST = "raft.peer-crashed-mid-request";

/** Most step lines and sample lines recorded (10 minutes of samples): with MAX_APPLY_LINES they keep a raft record far under MAX_RECORD_BYTES. */
const MAX_STEP_LINES = 20_000;
const MAX_SAMPLE_LINES = 6_000;

/** What wait() returns when peers moved on to a later term (the course's -1). */
export const MOVED_ON = Symbol("moved on");

export class RaftTester {
  readonly n: number;
  readonly info: RaftTestInfo;
  readonly logs: ApplyLogs;
  readonly rng: Random;
  private readonly peers: PeerHosts;
  private readonly faults: FaultChannel;
  private readonly clock: Clock;
  private readonly scale: number;
  private readonly record: (line: ControllerLine) => void;
  /** Peers whose container runs (not crashed by the test). */
  private readonly alive: boolean[];
  /** Peers the test cut from the others (the runner keeps the same set). */
  private readonly cut: boolean[];
  /** Links the test cut between two peers, by linkKey; the runner keeps the same set. */
  private readonly links = new Map<string, [number, number]>();
  /** Peers the test froze: checks, samples and RPC counters leave them out until they are resumed. */
  private readonly paused: boolean[];
  /** The last persisted Raft state size seen per peer (a crashed peer keeps its Persister's). */
  private readonly persistBytes: Array<number | null>;
  /** Per peer, the connection generation whose applies count (a restart starts a new one). */
  private readonly generation: number[];
  private readonly applyChains: Array<Promise<void>>;
  private readonly faultLines: RaftFaultLine[] = [];
  readonly timeline: Timeline;
  private nextFaultId = 1;
  private applyLines = 0;
  private stepLines = 0;
  private sampleLines = 0;
  private readonly t0: number;
  /** Time spent waiting for the runner's faults and restarted peers (overlapping waits counted once): not the test's own. */
  faultMs = 0;
  private faultsInFlight = 0;
  private faultSince = 0;
  /** Start requests sent (the run's operations). */
  starts = 0;
  private failure: Error | null = null;
  /** Waits that end early when the test fails (a set, not a never-settling promise: each race on one would leak). */
  private readonly waiters = new Set<(err: Error) => void>();
  /** The course's `finished`: loops of concurrent clients stop on it. */
  finished = false;

  constructor(opts: TesterOptions) {
    this.info = opts.info;
    this.n = opts.info.servers;
    this.peers = opts.peers;
    this.faults = opts.faults;
    this.rng = opts.rng;
    this.record = opts.record;
    this.clock = opts.clock ?? realClock;
    this.scale = opts.timeScale ?? 1;
    this.electionSafetyAlways = opts.electionSafetyAlways ?? true;
    this.logs = new ApplyLogs(this.n, opts.info.snapshots);
    this.alive = new Array<boolean>(this.n).fill(true);
    this.cut = new Array<boolean>(this.n).fill(false);
    this.paused = new Array<boolean>(this.n).fill(false);
    this.persistBytes = new Array<number | null>(this.n).fill(null);
    this.generation = new Array<number>(this.n).fill(0);
    this.applyChains = Array.from({ length: this.n }, () => Promise.resolve());
    this.t0 = this.clock.now();
    this.timeline = new Timeline(this.n);
    this.restarting = new Array<boolean>(this.n).fill(false);
    this.peers.onApply = (peer, msg) => this.receive(peer, msg);
    this.peers.onHello = (peer, hello) => this.greeted(peer, hello);
  }

  /** Peers being restarted: their next hello starts their copy of the log anew. */
  private readonly restarting: boolean[];

  /** The peer seen leading each term (electionSafetyAlways). */
  private readonly leaderOfTerm = new Map<number, number>();
  private readonly electionSafetyAlways: boolean;

  /**
   * Election safety over the whole run: a term has at most one leader ever,
   * so two peers seen leading one term, whenever each was seen, is a broken
   * Raft, with no false alarm. The course only compares the leaders of one
   * instant (checkOneLeader's rounds), which misses leaders that overlap
   * briefly; on a real network the tester's 100-ms samples see more.
   */
  private sawLeader(peer: number, term: number): void {
    if (!this.electionSafetyAlways) return;
    const other = this.leaderOfTerm.get(term);
    if (other === undefined) this.leaderOfTerm.set(term, peer);
    else if (other !== peer) {
      this.abort(new RaftCheckFailure("electionSafety", `two leaders in term ${term}: ${listPeers([other, peer].sort((a, b) => a - b))}`));
    }
  }

  /** A restarted peer's hello: its copy of the log starts again from what its Persister restored. */
  private greeted(peer: number, hello: Hello): void {
    if (!this.restarting[peer]) return;
    this.restarting[peer] = false;
    this.persistBytes[peer] = hello.restored.raftStateBytes;
    let snapshot = null;
    if (this.info.snapshots && hello.restored.snapshotBytes > 0) {
      snapshot = decodeSnapshot(hello.restored.snapshot ?? "");
      if (!snapshot) this.abort(new RaftCheckFailure("restart", `${nodeName(peer)} restarted with a snapshot the tester did not make (its Persister's snapshot could not be decoded)`));
    }
    this.logs.restart(peer, snapshot);
  }

  /** ms since the test began. */
  elapsedMs(): number {
    return Math.round(this.clock.now() - this.t0);
  }

  /** A course duration in this run's time (the course's, unless scaled for our own tests). */
  ms(courseMs: number): number {
    return courseMs * this.scale;
  }

  /** Stops the test with this failure (an apply error seen by the applier, like the course's log.Fatalf). */
  abort(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const stop of this.waiters) stop(err);
    this.waiters.clear();
  }

  /** p, or the test's failure if it comes first. */
  private orAbort<T>(p: Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const stop = (err: Error) => reject(err);
      this.waiters.add(stop);
      p.then(
        (v) => {
          this.waiters.delete(stop);
          resolve(v);
        },
        (e: unknown) => {
          this.waiters.delete(stop);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /** The failure that stopped the test, if one did. */
  get stoppedBy(): Error | null {
    return this.failure;
  }

  /** Sleeps, stopping early when the test fails meanwhile. */
  async sleep(courseMs: number): Promise<void> {
    if (this.failure) throw this.failure;
    await this.orAbort(this.clock.sleep(Math.max(courseMs * this.scale, 0.5)));
    this.checkTimeLimit();
  }

  step(text: string): void {
    if (this.stepLines++ < MAX_STEP_LINES) this.record({ raftStep: { tMs: this.elapsedMs(), text } });
  }

  /** Time spent on faults so far, the one in progress included. */
  faultTimeMs(): number {
    return this.faultMs + (this.faultsInFlight > 0 ? this.clock.now() - this.faultSince : 0);
  }

  /** Runs a wait for the runner (a fault, a restarted peer's hello), counting its time as the runner's. */
  private async runnerTime<T>(wait: () => Promise<T>): Promise<T> {
    if (this.faultsInFlight++ === 0) this.faultSince = this.clock.now();
    try {
      return await wait();
    } finally {
      if (--this.faultsInFlight === 0) this.faultMs += this.clock.now() - this.faultSince;
    }
  }

  /** The course's checkTimeout, on the test's own time (faults' time excluded). */
  checkTimeLimit(): void {
    const own = this.clock.now() - this.t0 - this.faultTimeMs();
    if (own > this.ms(COURSE_TIME_LIMIT_MS)) {
      this.abort(
        new RaftCheckFailure(
          "timeLimit",
          `the test took longer than ${COURSE_TIME_LIMIT_MS / 1000} seconds (${Math.round(own / this.scale / 1000)} s of its own time, not counting ${Math.round(this.faultTimeMs() / this.scale / 1000)} s the runner spent on faults)`,
        ),
      );
      throw this.failure;
    }
  }

  // ---- peers ----------------------------------------------------------

  /** Alive, not cut off, and not paused (a paused peer answers nothing, so checks leave it out). */
  isConnected(peer: number): boolean {
    return this.alive[peer]! && !this.cut[peer]! && !this.paused[peer]!;
  }

  isAlive(peer: number): boolean {
    return this.alive[peer]!;
  }

  /** Frozen by the test (pauseMany) and not resumed yet: it answers nothing. */
  isPaused(peer: number): boolean {
    return this.paused[peer]!;
  }

  /** One control request to a peer that must answer: no answer or an error reply fails the test as the student's. */
  private async ask(peer: number, req: ControlRequest, what: string): Promise<ControlReply> {
    if (this.failure) throw this.failure;
    const generation = this.generation[peer];
    const reply = await this.orAbort(this.peers.request(peer, req));
    if (!this.alive[peer] || this.generation[peer] !== generation) throw new RaftTesterError(PEER_CRASHED_MID_REQUEST, `${nodeName(peer)} was crashed while the tester waited for its ${what}`);
    if (!reply) throw this.stop(new RaftCheckFailure("peer", `${nodeName(peer)}'s ${what} did not return in time (is a lock held while waiting for an RPC, or is the peer stuck?)`));
    if (reply.error !== undefined) throw this.stop(new RaftCheckFailure("peer", `${nodeName(peer)}'s ${what} failed: ${reply.error.slice(0, 300)}`));
    return reply;
  }

  private stop(err: Error): Error {
    this.abort(err);
    return this.failure!;
  }

  /** GetState of a live peer. */
  async getState(peer: number): Promise<PeerState> {
    const reply = await this.ask(peer, { op: "state" }, "GetState()");
    if (!Number.isInteger(reply.term) || typeof reply.isLeader !== "boolean") throw new RaftTesterError("raft.bad-reply", `${nodeName(peer)} answered GetState without a term and isLeader`);
    if (reply.isLeader) this.sawLeader(peer, reply.term!);
    return { term: reply.term!, isLeader: reply.isLeader! };
  }

  /** Start(command) on a live peer: its index, term and whether it leads. */
  async start(peer: number, command: unknown): Promise<{ index: number; term: number; isLeader: boolean }> {
    this.starts++;
    const reply = await this.ask(peer, { op: "start", command }, `Start(${showCommand(command)})`);
    if (!Number.isInteger(reply.index) || !Number.isInteger(reply.term) || typeof reply.isLeader !== "boolean") {
      throw new RaftTesterError("raft.bad-reply", `${nodeName(peer)} answered Start without index, term and isLeader`);
    }
    if (reply.isLeader) this.sawLeader(peer, reply.term!);
    return { index: reply.index!, term: reply.term!, isLeader: reply.isLeader! };
  }

  /**
   * Start on a peer that may be crashed meanwhile by another part of the test
   * (churn's clients): null when it is down or went down before answering,
   * as the course's Raft() is nil for a crashed server.
   */
  async tryStart(peer: number, command: unknown): Promise<{ index: number; term: number; isLeader: boolean } | null> {
    if (!this.alive[peer]) return null;
    try {
      return await this.start(peer, command);
    } catch (err) {
      if (err instanceof RaftTesterError && err.code === PEER_CRASHED_MID_REQUEST) return null;
      throw err;
    }
  }

  /** The states of the connected peers (null for the others), asked together. */
  async connectedStates(): Promise<Array<PeerState | null>> {
    return Promise.all(Array.from({ length: this.n }, (_, i) => (this.isConnected(i) ? this.getState(i) : Promise.resolve(null))));
  }

  /** One sample of every live peer's term and role for the record (no answer is not a failure here). */
  async sample(): Promise<void> {
    const states = await Promise.all(
      Array.from({ length: this.n }, async (_, i): Promise<RaftPeerSample | null> => {
        if (!this.alive[i] || this.paused[i]) return null;
        const reply = await this.peers.request(i, { op: "state" });
        return reply && Number.isInteger(reply.term) && typeof reply.isLeader === "boolean" ? { term: reply.term!, leader: reply.isLeader! } : null;
      }),
    );
    const tMs = this.elapsedMs();
    states.forEach((st, i) => {
      if (st?.leader) this.sawLeader(i, st.term);
    });
    this.timeline.add(tMs, states);
    if (this.sampleLines++ < MAX_SAMPLE_LINES) this.record({ raft: { tMs, peers: states } });
  }

  // ---- the applier ----------------------------------------------------

  private receive(peer: number, msg: ApplyMessage): void {
    const generation = this.generation[peer]!;
    this.applyChains[peer] = this.applyChains[peer]!.then(() => this.applyOne(peer, generation, msg)).catch((err: unknown) => {
      this.abort(err instanceof Error ? err : new RaftTesterError("raft.applier", String(err)));
    });
  }

  private async applyOne(peer: number, generation: number, msg: ApplyMessage): Promise<void> {
    if (generation !== this.generation[peer] || this.finished) return;
    const tMs = this.elapsedMs();
    if ("snapshotValid" in msg) {
      this.recordApply({ tMs, peer: nodeName(peer), snapshotIndex: msg.snapshotIndex, snapshotTerm: msg.snapshotTerm });
      const err = this.logs.applySnapshot(peer, msg.snapshotIndex, decodeSnapshot(msg.snapshot));
      if (err) this.abort(err);
      return;
    }
    if (!("commandValid" in msg)) return;
    this.recordApply({ tMs, peer: nodeName(peer), index: msg.commandIndex, command: cutCommand(msg.command) });
    const err = this.logs.applyCommand(peer, msg.commandIndex, msg.command);
    if (err) {
      this.abort(err);
      return;
    }
    if (this.logs.snapshotDue(msg.commandIndex)) {
      const snapshot = encodeSnapshot({ lastIncludedIndex: msg.commandIndex, log: this.logs.snapshotLog(peer, msg.commandIndex) });
      // The course's applier calls Snapshot() before reading the next ApplyMsg: so does this chain.
      const reply = await this.peers.request(peer, { op: "snapshot", index: msg.commandIndex, snapshot });
      if (generation !== this.generation[peer] || !this.alive[peer]) return;
      if (!reply) this.abort(new RaftCheckFailure("snapshot", `${nodeName(peer)}'s Snapshot(${msg.commandIndex}) did not return in time (does Snapshot wait for the applier, which waits for it?)`));
      else if (reply.error !== undefined) this.abort(new RaftCheckFailure("snapshot", `${nodeName(peer)}'s Snapshot(${msg.commandIndex}) failed: ${reply.error.slice(0, 300)}`));
    }
  }

  private recordApply(line: Extract<ControllerLine, { apply: unknown }>["apply"]): void {
    if (this.applyLines++ < MAX_APPLY_LINES) this.record({ apply: line });
  }

  /** Waits until every apply received so far is handled (snapshots included). */
  async appliesSettled(): Promise<void> {
    await Promise.all(this.applyChains);
  }

  // ---- the course's checks ---------------------------------------------

  /** A check failing: the test stops with it. */
  fail(check: string, message: string): never {
    throw this.stop(new RaftCheckFailure(check, message));
  }

  /** Runs a pure check; its failure stops the test. */
  private checked<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof Error) throw this.stop(err);
      throw err;
    }
  }

  /** checkOneLeader: up to ten tries, 450–550 ms apart, for a leader among the connected peers; never two in a term. */
  async checkOneLeader(): Promise<number> {
    this.step("checking for a single leader");
    for (let iter = 0; iter < 10; iter++) {
      await this.sleep(450 + this.rng.int(100));
      const states = await this.connectedStates();
      const leader = this.checked(() => oneLeaderOf(states));
      if (leader !== null) return leader;
    }
    return this.fail("checkOneLeader", "expected one leader, got none (no connected peer led a term in 10 tries over about 5 s)");
  }

  /** checkTerms: the connected peers agree on the term. */
  async checkTerms(): Promise<number> {
    this.step("checking term agreement");
    const states = await this.connectedStates();
    return this.checked(() => agreedTerm(states));
  }

  /** checkNoLeader: no connected peer thinks it leads. */
  async checkNoLeader(): Promise<void> {
    this.step("checking no connected peer leads");
    const states = await this.connectedStates();
    this.checked(() => checkNoLeaderAmong(states));
  }

  /** nCommitted: how many peers applied index (fails on any apply error or mismatch). */
  nCommitted(index: number): { count: number; command: unknown } {
    return this.checked(() => this.logs.nCommitted(index));
  }

  /** checkNoAgreement: nobody applied index. */
  checkNoAgreement(index: number): void {
    const { count } = this.nCommitted(index);
    if (count > 0) this.fail("checkNoAgreement", `${count} peer(s) applied index ${index} although no majority was connected`);
  }

  /**
   * one(cmd, expectedServers, retry): Start cmd on whichever connected peer
   * leads, then wait up to 2 s for expectedServers peers to apply it there;
   * with retry, keep trying for 10 s. Returns the index.
   */
  async one(command: unknown, expectedServers: number, retry: boolean): Promise<number> {
    this.step(`one(${showCommand(command)}, ${expectedServers}, ${retry ? "retry" : "no retry"})`);
    const t0 = this.clock.now();
    let starts = 0;
    while (this.clock.now() - t0 < this.ms(10_000) && !this.finished) {
      let index = -1;
      for (let k = 0; k < this.n; k++) {
        starts = (starts + 1) % this.n;
        if (!this.isConnected(starts)) continue;
        const reply = await this.start(starts, command);
        if (reply.isLeader) {
          index = reply.index;
          break;
        }
      }
      if (index !== -1) {
        const t1 = this.clock.now();
        while (this.clock.now() - t1 < this.ms(2_000)) {
          const { count, command: applied } = this.nCommitted(index);
          if (count > 0 && count >= expectedServers && sameCommand(applied, command)) return index;
          await this.sleep(20);
        }
        if (!retry) {
          const { count } = this.nCommitted(index);
          this.fail("one", `one(${showCommand(command)}) failed to reach agreement: a leader put it at index ${index} but ${count} of the ${expectedServers} peers wanted applied it within 2 s`);
        }
      } else {
        await this.sleep(50);
      }
    }
    if (this.finished) return -1;
    return this.fail("one", `one(${showCommand(command)}) failed to reach agreement: ${expectedServers} peers did not apply it within 10 s`);
  }

  /** wait(index, n, startTerm): until n peers applied index, backing off; MOVED_ON when some peer passed startTerm. */
  async wait(index: number, n: number, startTerm: number): Promise<unknown> {
    let to = 10;
    for (let iter = 0; iter < 30; iter++) {
      if (this.nCommitted(index).count >= n) break;
      await this.sleep(to);
      if (to < 1000) to *= 2;
      if (startTerm > -1) {
        for (let i = 0; i < this.n; i++) {
          if (this.alive[i] && (await this.getState(i)).term > startTerm) return MOVED_ON;
        }
      }
    }
    const { count, command } = this.nCommitted(index);
    if (count < n) this.fail("wait", `only ${count} peers applied index ${index}; wanted ${n}`);
    return command;
  }

  // ---- figures -----------------------------------------------------------

  /** Every live peer's RPC counters (Contract 2's rpcStats); null for a peer down or paused. */
  async rpcStats(): Promise<Array<{ rpcs: number; bytesSent: number; bytesReceived: number; argsBytes?: number } | null>> {
    return Promise.all(
      Array.from({ length: this.n }, async (_, i) => {
        if (!this.alive[i] || this.paused[i]) return null;
        const r = await this.ask(i, { op: "rpcStats" }, "RPC counters");
        if (!Number.isInteger(r.rpcs) || !Number.isInteger(r.bytesSent) || !Number.isInteger(r.bytesReceived)) {
          throw new RaftTesterError("raft.bad-reply", `${nodeName(i)} answered rpcStats without its counters`);
        }
        return { rpcs: r.rpcs!, bytesSent: r.bytesSent!, bytesReceived: r.bytesReceived!, ...(Number.isInteger(r.argsBytes) ? { argsBytes: r.argsBytes! } : {}) };
      }),
    );
  }

  /** RpcCount summed over the peers (each peer host counts the RPCs it sent). */
  async rpcTotal(): Promise<number> {
    return (await this.rpcStats()).reduce((sum, s) => sum + (s?.rpcs ?? 0), 0);
  }

  /**
   * BytesTotal: labrpc counts the encoded arguments of every RPC. A peer
   * host that reports argsBytes gives exactly that; else the bytes of every
   * frame the peers sent (requests and replies, a little more than labrpc's).
   */
  async bytesTotal(): Promise<number> {
    const stats = await this.rpcStats();
    const exact = stats.every((s) => s === null || s.argsBytes !== undefined);
    return stats.reduce((sum, s) => sum + (s ? (exact ? s.argsBytes! : s.bytesSent) : 0), 0);
  }

  /** LogSize: the largest persisted Raft state of any peer (a crashed one's as it was last seen). */
  async logSize(): Promise<number> {
    await Promise.all(
      Array.from({ length: this.n }, async (_, i) => {
        if (!this.alive[i]) return;
        const r = await this.ask(i, { op: "persistBytes" }, "PersistBytes()");
        if (!Number.isInteger(r.bytes)) throw new RaftTesterError("raft.bad-reply", `${nodeName(i)} answered persistBytes without bytes`);
        this.persistBytes[i] = r.bytes!;
      }),
    );
    return Math.max(0, ...this.persistBytes.map((b) => b ?? 0));
  }

  // ---- faults (the runner carries them out) ---------------------------

  private async order(kind: FaultKind, peer?: number, other?: number): Promise<void> {
    if (this.failure) throw this.failure;
    const id = this.nextFaultId++;
    const node = peer === undefined ? undefined : nodeName(peer);
    const end = other === undefined ? undefined : nodeName(other);
    const line: RaftFaultLine = { id, kind, ...(node ? { node } : {}), ...(end ? { peer: end } : {}), askedMs: this.elapsedMs(), doneMs: null, ok: false, detail: "" };
    try {
      const answer = await this.runnerTime(() => this.faults.order(kind, node, end));
      line.doneMs = this.elapsedMs();
      line.ok = answer.ok;
      line.detail = (answer.detail ?? "").slice(0, 500);
      if (!answer.ok) throw new RaftTesterError("raft.fault-refused", `the runner could not ${kind}${node ? ` ${node}` : ""}${end ? `–${end}` : ""}: ${line.detail || "no reason given"}`);
    } catch (err) {
      if (!line.detail) line.detail = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      if (this.faultLines.length < 5000) this.faultLines.push(line);
      this.record({ raftFault: line });
    }
  }

  /** DisconnectAll(i): cut peer i from every other peer, both ways. */
  async disconnect(peer: number): Promise<void> {
    if (this.cut[peer]) return;
    this.step(`disconnect ${nodeName(peer)}`);
    await this.order("disconnect", peer);
    this.cut[peer] = true;
  }

  /** ConnectOne(i): undo disconnect, and join every link of the peer's that the test cut. */
  async connect(peer: number): Promise<void> {
    await Promise.all([...this.links.values()].filter(([a, b]) => a === peer || b === peer).map(([a, b]) => this.joinLink(a, b)));
    if (!this.cut[peer]) return;
    this.step(`connect ${nodeName(peer)}`);
    await this.order("connect", peer);
    this.cut[peer] = false;
  }

  /** Beyond the course (labrpc cannot): cut the link between two peers only, both ways; each still reaches the others. */
  async cutLink(a: number, b: number): Promise<void> {
    const link = linkKey(a, b);
    if (this.links.has(link)) return;
    this.step(`cut the link ${nodeName(a)}–${nodeName(b)}`);
    await this.order("cutLink", a, b);
    this.links.set(link, [a, b]);
  }

  /** Undo cutLink. */
  async joinLink(a: number, b: number): Promise<void> {
    const link = linkKey(a, b);
    if (!this.links.has(link)) return;
    this.step(`join the link ${nodeName(a)}–${nodeName(b)}`);
    await this.order("joinLink", a, b);
    this.links.delete(link);
  }

  /**
   * Several DisconnectAll and ConnectOne calls the course makes back to back
   * (microseconds apart in its simulated network): here the cuts are ordered
   * together, then the reconnections together, so no election fits between
   * them (a runner takes a while per fault). Only the end state counts:
   * peers already in it are left alone (a peer the course cuts and at once
   * reconnects stays connected).
   */
  async repartition(disconnect: readonly number[], connect: readonly number[] = []): Promise<void> {
    const wanted = (i: number) => (this.cut[i]! || disconnect.includes(i)) && !connect.includes(i);
    const peers = Array.from({ length: this.n }, (_, i) => i);
    const cuts = peers.filter((i) => !this.cut[i] && wanted(i));
    const joins = peers.filter((i) => this.cut[i] && !wanted(i));
    await Promise.all(cuts.map((i) => this.disconnect(i)));
    await Promise.all(joins.map((i) => this.connect(i)));
  }

  /** ConnectAll (cut links joined too). */
  async connectAll(): Promise<void> {
    await this.repartition([], Array.from({ length: this.n }, (_, i) => i));
    await Promise.all([...this.links.values()].map(([a, b]) => this.joinLink(a, b)));
  }

  /**
   * Beyond the course: freeze peers (their cgroup), together, so that time
   * stands still for them while the test changes the rest; resumeMany thaws
   * them together. Checks, samples and RPC counters leave a paused peer out.
   */
  async pauseMany(peers: readonly number[]): Promise<void> {
    await Promise.all(
      [...new Set(peers)].filter((i) => this.alive[i] && !this.paused[i]).map(async (i) => {
        this.step(`pause ${nodeName(i)}`);
        this.paused[i] = true;
        await this.order("pause", i);
      }),
    );
  }

  async resumeMany(peers: readonly number[]): Promise<void> {
    await Promise.all(
      [...new Set(peers)].filter((i) => this.paused[i]).map(async (i) => {
        this.step(`resume ${nodeName(i)}`);
        await this.order("resume", i);
        this.paused[i] = false;
      }),
    );
  }

  /** ShutdownServer(i) / crash1: SIGKILL of the peer's container; what it saved on /data stays. */
  async crash(peer: number): Promise<void> {
    if (!this.alive[peer]) return;
    if (this.paused[peer]) throw new RaftTesterError("raft.paused", `${nodeName(peer)} is paused: the test must resume it before crashing it`);
    this.step(`crash ${nodeName(peer)}`);
    this.alive[peer] = false;
    this.generation[peer]!++;
    this.peers.crashing(peer);
    await this.order("crash", peer);
  }

  /** StartServer(i): restart the peer from its /data and reconnect to its control port (its hello gives the restored snapshot). */
  async startServer(peer: number): Promise<void> {
    if (this.alive[peer]) return;
    this.step(`restart ${nodeName(peer)}`);
    await this.order("restart", peer);
    this.restarting[peer] = true;
    const hello = await this.runnerTime(() => this.peers.reconnect(peer));
    if (!hello) this.fail("restart", `${nodeName(peer)} did not accept the tester's connection after its restart (does Make() return quickly? its log may say why)`);
    if (this.failure) throw this.failure;
    this.alive[peer] = true;
  }

  /** The 2025 tester's restart(i): StartServer(i), then ConnectAll. */
  async restart(peer: number): Promise<void> {
    await this.startServer(peer);
    await this.connectAll();
  }

  /** ShutdownServer of several peers the course shuts down back to back: ordered together. */
  async crashMany(peers: readonly number[]): Promise<void> {
    await Promise.all([...new Set(peers)].map((i) => this.crash(i)));
  }

  /** restart of several peers back to back: StartServer of each (together), then ConnectAll. */
  async restartMany(peers: readonly number[]): Promise<void> {
    await Promise.all([...new Set(peers)].map((i) => this.startServer(i)));
    await this.connectAll();
  }

  /** Shutdown: crash every peer. */
  async shutdownAll(): Promise<void> {
    await this.crashMany(Array.from({ length: this.n }, (_, i) => i));
  }

  /** StartServers: restart every peer, then ConnectAll. */
  async startServers(): Promise<void> {
    await this.restartMany(Array.from({ length: this.n }, (_, i) => i));
  }

  /** setunreliable / SetReliable: loss and short delay between peers, or none. */
  async setUnreliable(on: boolean): Promise<void> {
    this.step(on ? "network unreliable" : "network reliable");
    await this.order(on ? "unreliable" : "reliable");
  }

  /** setlongreordering: long random delays on most packets, or none. */
  async setLongReordering(on: boolean): Promise<void> {
    this.step(on ? "long reordering on" : "long reordering off");
    await this.order(on ? "longReordering" : "noLongReordering");
  }

  // ---- evidence --------------------------------------------------------

  evidence(failedCheck: string | undefined, rpcs: RaftEvidence["rpcs"]): RaftEvidence {
    return {
      kind: "raft",
      test: this.info.name,
      ...(failedCheck ? { failedCheck } : {}),
      elapsedMs: this.elapsedMs(),
      timeline: this.timeline.spans(),
      faults: this.faultLines.map(({ kind, node, peer, askedMs, doneMs, ok, detail }) => ({ kind, ...(node ? { node } : {}), ...(peer ? { peer } : {}), askedMs, doneMs, ok, detail })),
      applies: this.logs.summary(),
      disagreements: [...this.logs.disagreements],
      rpcs,
    };
  }
}

/** An applied command as the record keeps it: long strings (RPCBytes's) cut. */
function cutCommand(command: unknown): unknown {
  return typeof command === "string" && command.length > 64 ? showCommand(command) : command;
}

/** A link's key: the two peers, lower first. */
function linkKey(a: number, b: number): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
