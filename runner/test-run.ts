// One test run as the sandbox is asked for it: a suite's test (with one of
// its seeds) on a lab's build, with the runner's limits and what its engine
// can do. The grade job, the reference-solution tests and the benchmarks all
// ask through here, so a run means the same everywhere.
import { workloadOptionsOf, type TestSpec } from "../lib/suites/schema.js";
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
    wallClockMs: Math.round((test.durationSeconds + test.recoverySeconds) * 1000) + limits.testOverheadMs,
    owner: input.owner,
    signal: input.signal,
    protocol: input.lab.protocol,
    faults: test.faults,
    dataVolume: test.dataVolume,
    shaper: input.shaper,
    latency: test.latency ?? null,
    subnetPool: limits.subnetPool,
  };
}
