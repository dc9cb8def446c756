// The raft driver's plumbing, whole: it connects to toy peer hosts that speak
// Contract 2 over loopback TCP (tests/support/toy-raft.ts: hello, requests by
// id, the apply stream, a crash that closes the port and a restart that opens
// it again), orders faults on its stdout and reads the answers on its stdin
// (a toy runner), and leaves a record with samples, faults, applies, RPC
// counters and one verdict line. The real Go peer host and real clusters are
// tested elsewhere (the peer host's own tests, the lead's integration tests).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runRaftTest } from "../../sandbox/programs/controller/drivers/raft.js";
import { RecordFile } from "../../sandbox/programs/controller/record.js";
import { checkRecord, controllerSpecSchema, RECORD_FORMAT, type ControllerLine } from "../../sandbox/programs/controller/spec.js";
import { raftTestNamed } from "../../lib/labs/mit-6.5840/raft-tests.js";
import { ToyControlServers, ToyRaftCluster, ToyRunner, type ToyBug } from "../support/toy-raft.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function drive(test: string, opts: { bugs?: ToyBug[]; silentRunner?: boolean; faultTimeoutMs?: number; onReady?: (servers: ToyControlServers) => void; electionSafetyAlways?: boolean } = {}) {
  const info = raftTestNamed(test)!;
  const toy = new ToyRaftCluster(info.servers, new Set(opts.bugs ?? []));
  const servers = new ToyControlServers(toy);
  const addresses = await servers.listen();
  const dir = mkdtempSync(join(tmpdir(), "raft-driver-"));
  const out = new PassThrough();
  const input = new PassThrough();
  const runner = new ToyRunner(out, input, servers, { silent: opts.silentRunner, onReady: () => opts.onReady?.(servers) });
  cleanups.push(() => {
    servers.close();
    input.end();
    out.end();
    rmSync(dir, { recursive: true, force: true });
  });
  const spec = controllerSpecSchema.parse({
    driver: "raft",
    raft: { test, controlAddresses: addresses, timeScale: 0.02, faultTimeoutMs: opts.faultTimeoutMs ?? 5000, restartTimeoutMs: 5000, requestTimeoutMs: 2000, electionSafetyAlways: opts.electionSafetyAlways ?? true },
    workload: "raft",
    protocol: "native",
    nodeIds: Array.from({ length: info.servers }, (_, i) => `n${i}`),
    concurrency: 1,
    ratePerSecond: 1,
    durationMs: 1,
    seed: "42",
    recordPath: join(dir, "record.jsonl"),
  });
  const record = new RecordFile(spec.recordPath);
  record.write({ header: { format: RECORD_FORMAT, seed: spec.seed, workload: spec.workload, driver: "raft", test } });
  const result = await runRaftTest({ spec, links: [], record, readyStart: Date.now() }, { out, input });
  record.close();
  const lines = readFileSync(spec.recordPath, "utf8").trim().split("\n").map((l) => JSON.parse(l) as ControllerLine);
  const verdict = lines.find((l): l is Extract<ControllerLine, { verdict: unknown }> => "verdict" in l)?.verdict;
  return { lines, verdict, runner, servers, toy, result };
}

describe("the raft driver against toy peer hosts over TCP", () => {
  it("runs TestReElection3A: hellos, faults asked on stdout and answered on stdin, samples, counters, a pass", async () => {
    const { lines, verdict, runner, result } = await drive("TestReElection3A");
    expect(checkRecord(lines)).toBeNull();
    expect(verdict?.pass).toBe(true);
    expect(verdict?.reason).toBe("TestReElection3A passed");
    expect(runner.asked.map((f) => `${f.kind} ${f.node}`)).toEqual(["disconnect n0", "connect n0", "disconnect n1", "disconnect n2", "connect n2", "connect n1"]);
    expect(runner.otherLines.some((l) => l.startsWith('{"ready"'))).toBe(true);
    const faults = lines.flatMap((l) => ("raftFault" in l ? [l.raftFault] : []));
    expect(faults.every((f) => f.ok && f.doneMs !== null)).toBe(true);
    expect(lines.filter((l) => "raft" in l).length).toBeGreaterThan(3);
    expect(lines.filter((l) => "rpcStats" in l).map((l) => ("rpcStats" in l ? l.rpcStats.peer : ""))).toEqual(["n0", "n1", "n2"]);
    expect(verdict?.evidence.timeline.some((s) => s.leader)).toBe(true);
    expect(verdict?.evidence.faults).toHaveLength(6);
    expect(result.operations).toBe(0);
  });

  it("runs TestPersist13C: crashes close the control port, restarts open it again, the driver reconnects and reads each hello", async () => {
    const { lines, verdict, runner, servers, result } = await drive("TestPersist13C");
    expect(checkRecord(lines)).toBeNull();
    expect(verdict?.reason).toBe("TestPersist13C passed");
    expect(runner.asked.filter((f) => f.kind === "crash")).toHaveLength(6);
    expect(runner.asked.filter((f) => f.kind === "restart")).toHaveLength(6);
    // One connection at the start, one after each restart of that peer.
    expect(servers.connections.reduce((a, b) => a + b, 0)).toBe(3 + 6);
    // After restarting, peers apply from index 1 again, and the tester takes those applies.
    const applies = lines.flatMap((l) => ("apply" in l && l.apply.index === 1 ? [l.apply.peer] : []));
    expect(applies.length).toBeGreaterThan(3);
    // Six commands at least (a retried one() may add one); every peer applied all of them.
    const last = verdict!.evidence.applies.map((a) => a.lastIndex);
    expect(last[0]).toBeGreaterThanOrEqual(6);
    expect(new Set(last).size).toBe(1);
    expect(result.operations).toBeGreaterThan(0);
  });

  it("runs TestSnapshotInit3D: snapshot requests every tenth entry, and restarted peers' hellos carry the snapshot the tester restores from", async () => {
    const { verdict, toy, runner } = await drive("TestSnapshotInit3D");
    expect(verdict?.reason).toBe("TestSnapshotInit3D passed");
    expect(runner.asked.map((f) => f.kind)).toContain("unreliable");
    // Each peer's hello after a restart named a snapshot: the toy restored from index 9 at least.
    for (let i = 0; i < 3; i++) expect(toy.hello(i).restored.snapshotBytes).toBeGreaterThan(0);
    expect(verdict?.evidence.applies.every((a) => a.lastIndex >= 14)).toBe(true);
  });

  it("fails the student's test, in words, when a peer process stops on its own", async () => {
    const { verdict } = await drive("TestInitialElection3A", { onReady: (servers) => servers.crash(2) });
    expect(verdict?.pass).toBe(false);
    expect(verdict?.reason).toBe("n2's GetState() failed: its control connection closed (did the peer process exit? its log says why)");
  });

  it("writes the failed check in words when the peers are wrong (two leaders in a term)", async () => {
    const { verdict } = await drive("TestInitialElection3A", { bugs: ["twoLeaders"] });
    expect(verdict?.pass).toBe(false);
    expect(verdict?.reason).toBe("two leaders in term 1: n0 and n1");
    // The samples see them before checkOneLeader's first round does.
    expect(verdict?.evidence.failedCheck).toBe("electionSafety");
    const courseOnly = await drive("TestInitialElection3A", { bugs: ["twoLeaders"], electionSafetyAlways: false });
    expect(courseOnly.verdict?.reason).toBe("two leaders in term 1: n0 and n1");
    expect(courseOnly.verdict?.evidence.failedCheck).toBe("checkOneLeader");
  });

  it("stops as our failure, with no verdict, when the runner never answers a fault", async () => {
    const { lines, verdict } = await drive("TestReElection3A", { silentRunner: true, faultTimeoutMs: 300 });
    expect(verdict).toBeUndefined();
    const err = lines.find((l) => "testerError" in l);
    expect(err).toEqual({ testerError: { code: "raft.fault-timeout", message: "the runner did not carry out fault 1 (disconnect n0) within 0.3 s" } });
  });
});
