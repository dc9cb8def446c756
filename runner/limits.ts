// Container limits for a runner, from configuration. Sized for a 2-core host:
// nodes get half a core each; the build gets one.
import type { Config } from "../lib/config.js";
import type { ShaperPreference } from "../sandbox/capabilities.js";
import type { Limits } from "../sandbox/hardening.js";

const MiB = 1024 * 1024;

export interface RunnerLimits {
  build: Limits;
  node: Limits;
  controller: Limits;
  buildTimeoutMs: number;
  /** Wall-clock budget of one whole grading (build and every test run). */
  submissionBudgetMs: number;
  /** How long the controller waits for every node's init. */
  nodeReadyTimeoutMs: number;
  /** A test run's wall-clock allowance beyond its main phase and recovery. */
  testOverheadMs: number;
  /** Our containers' image in a cluster (controller, services, sidecars). */
  baseImage: string;
  /** Where cluster subnets are carved from (each test takes a /24). */
  subnetPool: string;
  /** How packets are to be delayed (LABGRADE_SHAPER; what is used is probed, sandbox/capabilities.ts). */
  shaperPreference: ShaperPreference;
  /** Our failures (InfraError) are retried for this long, from the first of a run of them, before the job fails. */
  infraRetryWindowMs: number;
  /** The longest wait between two such tries (they start at 2 s and double). */
  infraRetryMaxDelayMs: number;
  /** A job that failed on our side at most this long ago is run again when the engine answers again (0: never). */
  infraRerunWithinMs: number;
}

export function runnerLimits(cfg: Config): RunnerLimits {
  return {
    build: { memoryBytes: 1024 * MiB, cpus: 1, pids: 512, tmpfsBytes: 512 * MiB, logBytes: 1 * MiB },
    // The agent passes on at most 768 KiB of a node's log, so Docker never rotates (and cuts) it.
    node: { memoryBytes: cfg.LABGRADE_CONTAINER_MEMORY_MIB * MiB, cpus: 0.5, pids: 128, tmpfsBytes: 64 * MiB, logBytes: 2 * MiB },
    controller: { memoryBytes: 512 * MiB, cpus: 1, pids: 64, tmpfsBytes: 16 * MiB, logBytes: 256 * MiB },
    buildTimeoutMs: cfg.LABGRADE_BUILD_TIMEOUT_SECONDS * 1000,
    submissionBudgetMs: cfg.LABGRADE_SUBMISSION_BUDGET_SECONDS * 1000,
    nodeReadyTimeoutMs: cfg.LABGRADE_NODE_READY_SECONDS * 1000,
    testOverheadMs: cfg.LABGRADE_TEST_OVERHEAD_SECONDS * 1000,
    baseImage: cfg.LABGRADE_BASE_IMAGE,
    subnetPool: cfg.LABGRADE_LAB_SUBNET_POOL,
    shaperPreference: cfg.LABGRADE_SHAPER,
    infraRetryWindowMs: cfg.LABGRADE_INFRA_RETRY_MINUTES * 60_000,
    infraRetryMaxDelayMs: cfg.LABGRADE_INFRA_RETRY_MAX_DELAY_SECONDS * 1000,
    infraRerunWithinMs: cfg.LABGRADE_INFRA_RERUN_HOURS * 3_600_000,
  };
}
