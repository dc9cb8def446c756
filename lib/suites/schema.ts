// The test-suite document staff write (YAML or JSON). This schema is the
// contract: suite validation, the runner and the docs all read it. Defaults
// make a minimal test a few lines long.
import { z } from "zod";
import { WORKLOAD_NAMES, WORKLOADS, type WorkloadName } from "../workloads/index.js";

/** Seconds after the main phase starts. */
const at = z.number().min(0).max(600);
/** A node id, or "random" (chosen from the test's seed). */
const nodeChoice = z.union([z.literal("random"), z.string().regex(/^n\d+$/, 'a node id like "n0", or "random"')]);

export const PARTITION_MODES = ["isolate", "halves", "majority-minority", "majorities-ring", "one-way"] as const;
/** Fault kinds that need the kernel's netem queueing discipline. */
export const NETEM_FAULTS = ["delay", "jitter", "reorder", "duplicate"] as const;

/** One step of a test's fault schedule. Everything is healed when the main phase ends. */
export const faultStepSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("partition"), at, mode: z.enum(PARTITION_MODES), node: nodeChoice.optional() }),
  z.object({ kind: z.literal("heal"), at }),
  z.object({ kind: z.literal("loss"), at, probability: z.number().gt(0).max(1) }),
  z.object({ kind: z.literal("bandwidth"), at, kbitPerSecond: z.number().min(8).max(10_000_000) }),
  z.object({ kind: z.literal("kill"), at, node: nodeChoice }),
  /** Restarts a killed node ("all": every killed node). */
  z.object({ kind: z.literal("restart"), at, node: z.union([nodeChoice, z.literal("all")]) }),
  z.object({ kind: z.literal("pause"), at, node: nodeChoice }),
  z.object({ kind: z.literal("resume"), at, node: z.union([nodeChoice, z.literal("all")]) }),
  z.object({ kind: z.enum(NETEM_FAULTS), at, ms: z.number().min(0).max(10_000).optional(), percent: z.number().min(0).max(100).optional() }),
]);
export type FaultStep = z.infer<typeof faultStepSchema>;

/** What every test has, whatever its workload. */
const commonTestSettings = {
  /** Unique within the suite; shown to students unless hidden. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and dashes, starting with a letter or digit"),
  /** Number of node containers, n0..n(N-1). */
  nodes: z.number().int().min(1).max(25).default(3),
  /** Concurrent client processes. */
  concurrency: z.number().int().min(1).max(100).default(2),
  /** Target client operations per second, across all clients. */
  rate: z.number().positive().max(10_000).default(10),
  /** Length of the main phase, in seconds. */
  durationSeconds: z.number().positive().max(600).default(5),
  /** Wait after faults heal, before the final operations. */
  recoverySeconds: z.number().min(0).max(120).default(0),
  /** A request with no reply in this time is recorded as indeterminate. */
  requestTimeoutSeconds: z.number().positive().max(60).default(5),
  /** Points for passing (pass rate × points with repetitions). */
  points: z.number().min(0).default(1),
  /** When students see this test's details. */
  visibility: z.enum(["always", "after_due", "hidden"]).default("always"),
  /** Runs of this test, each with its own seed. */
  repetitions: z.number().int().min(1).max(20).default(1),
  /** Faults, in time order; a kill of a node keeps it down until a restart step or the heal. */
  faults: z.array(faultStepSchema).default([]),
  /** Node containers keep a data volume at /data that survives kill and restart. */
  dataVolume: z.boolean().default(false),
  /** Fixed seed for the first repetition (later ones derive from it); random when absent. */
  seed: z
    .string()
    .regex(/^\d{1,20}$/)
    .optional(),
};

/**
 * A test: the common settings, the workload the clients drive, and that
 * workload's own settings beside them (lib/workloads/<name>: e.g. lin-kv's
 * keyCount, broadcast's topology), so each test is validated against its own
 * workload's options.
 */
export const testSpecSchema = z.discriminatedUnion(
  "workload",
  WORKLOAD_NAMES.map(testOf) as [ReturnType<typeof testOf>, ...Array<ReturnType<typeof testOf>>],
  { error: (issue) => (issue.code === "invalid_union" ? `the workload must be one of ${WORKLOAD_NAMES.join(", ")}` : undefined) },
);

/** One workload's test schema (for the union's type). */
function testOf(name: WorkloadName) {
  return z.object({ ...commonTestSettings, workload: z.literal(name), ...WORKLOADS[name].options.shape });
}

export const suiteSpecSchema = z.object({
  /** Documents written for this version of the format. */
  version: z.literal(1).default(1),
  tests: z.array(testSpecSchema).min(1, "a suite needs at least one test"),
});

export type TestSpec = z.infer<typeof testSpecSchema>;

/** A test's settings for its own workload (e.g. lin-kv's keyCount), as the workload's generator reads them. */
export function workloadOptionsOf(test: TestSpec): Record<string, unknown> {
  return WORKLOADS[test.workload].options.parse(test);
}
export type SuiteSpec = z.infer<typeof suiteSpecSchema>;
