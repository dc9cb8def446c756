// One test run as the sandbox is asked for it: a suite's test (with one of
// its seeds) on a lab's build, with the runner's limits and what its engine
// can do. The grade job, the reference-solution tests and the benchmarks all
// ask through here, so a run means the same everywhere.
import { InfraError } from "../lib/errors.js";
import { needsShaping, raftTestNamed } from "../lib/labs/mit-6.5840/raft-tests.js";
import { isRaftTest, RAFT_WORKLOAD, workloadOptionsOf, type RaftTestSpec, type TestSpec } from "../lib/suites/schema.js";
import { WORKLOADS } from "../lib/workloads/index.js";
import type { ClusterTestRequest } from "../sandbox/cluster.js";
import type { ResourceOwner } from "../sandbox/labels.js";
import type { ShaperKind } from "../sandbox/shaping.js";
import type { RunnerLimits } from "./limits.js";

export interface TestRunInput {
  test: TestSpec;
  seed: string;
  /** The build's volume (/work/src and /work/out). */
  buildVolume: string;
  lab: { runImage: string; runCommand: string; protocol: "maelstrom" | "native" };
  limits: RunnerLimits;
  /** How this runner delays packets (capabilities.ts). */
  shaper: ShaperKind;
  owner: ResourceOwner;
  signal?: AbortSignal;
}

export function testRunRequest(input: TestRunInput): ClusterTestRequest {
  const { test, limits } = input;
  if (isRaftTest(test)) return raftRunRequest(input, test);
  return {
    buildVolume: input.buildVolume,
    runImage: input.lab.runImage,
    controllerImage: limits.baseImage,
    runCommand: input.lab.runCommand,
    nodeCount: test.nodes,
    controller: {
      workload: test.workload,
      concurrency: test.concurrency,
      ratePerSecond: test.rate,
      durationMs: Math.round(test.durationSeconds * 1000),
      seed: input.seed,
      requestTimeoutMs: Math.round(test.requestTimeoutSeconds * 1000),
      readyTimeoutMs: limits.nodeReadyTimeoutMs,
      options: workloadOptionsOf(test),
      recoveryMs: Math.round(test.recoverySeconds * 1000),
    },
    nodeLimits: limits.node,
    controllerLimits: limits.controller,
    wallClockMs: Math.round((test.durationSeconds + test.recoverySeconds) * 1000) + finalPhaseMs(test) + limits.testOverheadMs,
    owner: input.owner,
    signal: input.signal,
    protocol: input.lab.protocol,
    faults: test.faults,
    dataVolume: test.dataVolume,
    servicesWithMajority: test.servicesWithMajority,
    shaper: input.shaper,
    latency: test.latency ?? null,
    subnetPool: limits.subnetPool,
  };
}

/** The longest a workload's final phase may take beyond its first operations (kafka polls on for up to 10 s), and one last request in flight. */
function finalPhaseMs(test: Exclude<TestSpec, RaftTestSpec>): number {
  const limitMs = WORKLOADS[test.workload].finalTimeLimitMs;
  return limitMs === undefined ? 0 : limitMs + Math.round(test.requestTimeoutSeconds * 1000);
}

/**
 * A Raft test (lib/labs/mit-6.5840): the course test's peers as the cluster's
 * nodes (each our peer host around the student's Raft, with its /data for the
 * Persister), and the controller's raft driver as the tester, which orders its
 * faults as it runs (sandbox/ordered-faults.ts) and ends when the course's
 * test does, within its budget.
 */
function raftRunRequest(input: TestRunInput, test: RaftTestSpec): ClusterTestRequest {
  const { limits } = input;
  const info = raftTestNamed(test.raft)!;
  if (needsShaping(info) && input.shaper === "none") {
    // Ours to fix (another runner can): never run it on a network that is more reliable than it asks for.
    throw new InfraError("shaping.unavailable", `${test.raft} needs lost and delayed packets, and this runner can hold packets neither with its scheduler (NFQUEUE) nor with netem`);
  }
  return {
    buildVolume: input.buildVolume,
    runImage: input.lab.runImage,
    controllerImage: limits.baseImage,
    runCommand: input.lab.runCommand,
    nodeCount: info.servers,
    controller: {
      driver: "raft",
      raft: { test: test.raft },
      workload: RAFT_WORKLOAD,
      concurrency: 1,
      ratePerSecond: 1,
      durationMs: info.budgetMs,
      seed: input.seed,
      readyTimeoutMs: limits.nodeReadyTimeoutMs,
    },
    nodeLimits: limits.node,
    controllerLimits: limits.controller,
    wallClockMs: info.budgetMs + limits.testOverheadMs,
    owner: input.owner,
    signal: input.signal,
    protocol: "native",
    faults: [],
    // The Persister saves there whether or not the test crashes anyone.
    dataVolume: true,
    shaper: input.shaper,
    latency: null,
    subnetPool: limits.subnetPool,
  };
}
