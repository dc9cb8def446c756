// The raft driver: our distributed tester for MIT 6.5840's Raft (lab 3). It
// connects to every peer host's control port (raft/peers.ts), says `ready`,
// runs the one course test the spec names (raft/tests-*.ts) with the course's
// checks and budgets (raft/tester.ts), ordering the test's faults from the
// runner over the fault channel (raft/faults.ts), samples every peer's term
// and role every 100 ms for the record, and ends the record's raft part with
// each peer's RPC counters and one verdict line: pass, or fail with the
// reason in words (the student's). A failure of ours (the runner, the fault
// channel, this tester) is a testerError line instead, never a verdict.
import { raftTestNamed } from "../../../../lib/labs/mit-6.5840/raft-tests.js";
import { Random } from "../../../../lib/random.js";
import type { ControllerLine } from "../spec.js";
import type { Writable, Readable } from "node:stream";
import type { Driver, DriverContext } from "./index.js";
import { nodeName, RaftCheckFailure, RaftTesterError } from "./raft/checks.js";
import { StdioFaultChannel } from "./raft/faults.js";
import { peerAddresses, TcpPeerHosts } from "./raft/peers.js";
import { RaftTester } from "./raft/tester.js";
import { COURSE_TESTS } from "./raft/tests.js";

/** How often every peer's term and role is sampled for the record. */
export const SAMPLE_INTERVAL_MS = 100;

/** The fault channel's streams: the controller's stdout and stdin (tests pass their own). */
export interface FaultStreams {
  out: Writable;
  input: Readable;
}

export const raftDriver: Driver = (ctx) => runRaftTest(ctx, { out: process.stdout, input: process.stdin });

/** Runs the spec's course test; the ready line and the fault requests go to `out`, the runner's answers come on `input`. */
export async function runRaftTest({ spec, record, readyStart }: DriverContext, streams: FaultStreams): Promise<{ operations: number; elapsedMs: number }> {
  if (!spec.raft) throw new Error("the raft driver needs the spec's `raft` settings");
  const settings = spec.raft;
  const info = raftTestNamed(settings.test)!;
  const course = COURSE_TESTS[settings.test];
  const started = Date.now();
  const done = () => ({ operations: tester?.starts ?? 0, elapsedMs: Date.now() - started });
  const peers = new TcpPeerHosts(peerAddresses(spec.nodeIds, settings.controlAddresses), settings);
  const faults = new StdioFaultChannel(streams.out, streams.input, settings.faultTimeoutMs);
  let tester: RaftTester | undefined;
  try {
    let hellos;
    try {
      hellos = await peers.connectAll(readyStart + spec.readyTimeoutMs);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      record.write({
        verdict: {
          pass: false,
          test: settings.test,
          reason,
          evidence: { kind: "raft", test: settings.test, failedCheck: "connect", elapsedMs: 0, timeline: [], faults: [], applies: [], disagreements: [], rpcs: [] },
        },
      });
      return done();
    }
    // A peer that says it is another is a cluster wired wrongly: ours.
    const misplaced = hellos.findIndex((h, i) => h.me !== i);
    if (misplaced !== -1) {
      record.write({ testerError: { code: "raft.misrouted", message: `the peer host at ${nodeName(misplaced)}'s control address says it is peer ${hellos[misplaced]!.me}` } });
      return done();
    }
    record.write({ raftStep: { tMs: 0, text: `peer hosts connected: ${hellos.map((h, i) => `${nodeName(i)} (layout ${String(h.layout).slice(0, 16)})`).join(", ")}` } });
    const ready: ControllerLine = { ready: { nodes: spec.nodeIds, waitedMs: Date.now() - readyStart } };
    record.write(ready);
    streams.out.write(JSON.stringify(ready) + "\n");

    tester = new RaftTester({ info, peers, faults, rng: new Random(spec.seed), record: (line) => record.write(line), timeScale: settings.timeScale, electionSafetyAlways: settings.electionSafetyAlways });
    const t = tester;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const next = Date.now() + Math.max(5, SAMPLE_INTERVAL_MS * settings.timeScale);
        await t.sample();
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
    })();

    let outcome: { pass: true } | { pass: false; failure: RaftCheckFailure } | { error: RaftTesterError };
    try {
      if (info.unreliable) await t.setUnreliable(true);
      await course!(t);
      await t.appliesSettled();
      t.checkTimeLimit();
      const late = t.stoppedBy;
      if (late) throw late;
      outcome = { pass: true };
    } catch (err) {
      // A failure seen by the applier meanwhile comes first: it is the course's log.Fatalf.
      const first = t.stoppedBy ?? err;
      if (first instanceof RaftCheckFailure) outcome = { pass: false, failure: first };
      else if (first instanceof RaftTesterError) outcome = { error: first };
      else outcome = { error: new RaftTesterError("raft.tester-bug", `the tester failed: ${first instanceof Error ? (first.stack ?? first.message) : String(first)}`) };
    } finally {
      t.finished = true;
      sampling = false;
      await sampler;
    }

    const rpcs = await Promise.all(
      Array.from({ length: t.n }, async (_, i) => {
        // A peer the test left paused answers nothing until the runner thaws it, after the controller ends.
        const r = t.isAlive(i) && !t.isPaused(i) ? await peers.request(i, { op: "rpcStats" }) : undefined;
        const ok = r && Number.isInteger(r.rpcs) && Number.isInteger(r.bytesSent) && Number.isInteger(r.bytesReceived);
        return { peer: nodeName(i), rpcs: ok ? r.rpcs! : null, bytesSent: ok ? r.bytesSent! : null, bytesReceived: ok ? r.bytesReceived! : null };
      }),
    );
    for (const r of rpcs) {
      if (r.rpcs !== null) record.write({ rpcStats: { peer: r.peer, rpcs: r.rpcs, bytesSent: r.bytesSent!, bytesReceived: r.bytesReceived! } });
    }
    if ("error" in outcome) {
      record.write({ testerError: { code: outcome.error.code, message: outcome.error.message.slice(0, 4000) } });
    } else {
      const failure = outcome.pass ? undefined : outcome.failure;
      record.write({
        verdict: {
          pass: outcome.pass,
          test: settings.test,
          reason: failure ? failure.message : `${settings.test} passed`,
          evidence: t.evidence(failure?.check, rpcs),
        },
      });
    }
    return done();
  } finally {
    peers.close();
    faults.close();
  }
};
