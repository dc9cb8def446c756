// The test-suite document staff write (YAML or JSON). This schema is the
// contract: suite validation, the runner and the docs all read it. Defaults
// make a minimal test a few lines long.
//
// Two readings of one schema: what staff write is read strictly (a key the
// schema does not know, at any level, is an error: a misspelled `fualts:`
// must never save as a test without faults; authoredSuiteSchema, used by
// parse-suite.ts), while a suite stored earlier is read leniently (a key
// later versions dropped is ignored, so old gradings still run;
// suiteSpecSchema, used by the runner).
import { z } from "zod";
import { WORKLOAD_NAMES, WORKLOADS, type WorkloadName } from "../workloads/index.js";

/** Seconds after the main phase starts. */
const at = z.number().min(0).max(600);
/** A node id, or "random" (chosen from the test's seed). */
const nodeChoice = z.union([z.literal("random"), z.string().regex(/^n\d+$/, 'a node id like "n0", or "random"')]);

export const PARTITION_MODES = ["isolate", "halves", "majority-minority", "majorities-ring", "one-way"] as const;
/** Fault kinds that need the kernel's netem queueing discipline. */
export const NETEM_FAULTS = ["delay", "jitter", "reorder", "duplicate"] as const;

type Reading = "strict" | "strip";

function faultStepFor(reading: Reading) {
  const object = reading === "strict" ? z.strictObject : z.object;
  /** One step of a test's fault schedule. Everything is healed when the main phase ends. */
  return z.discriminatedUnion(
    "kind",
    [
    object({ kind: z.literal("partition"), at, mode: z.enum(PARTITION_MODES), node: nodeChoice.optional() }),
    object({ kind: z.literal("heal"), at }),
    object({ kind: z.literal("loss"), at, probability: z.number().gt(0).max(1) }),
    object({ kind: z.literal("bandwidth"), at, kbitPerSecond: z.number().min(8).max(10_000_000) }),
    object({ kind: z.literal("kill"), at, node: nodeChoice }),
    /** Restarts a killed node ("all": every killed node). */
    object({ kind: z.literal("restart"), at, node: z.union([nodeChoice, z.literal("all")]) }),
    object({ kind: z.literal("pause"), at, node: nodeChoice }),
    object({ kind: z.literal("resume"), at, node: z.union([nodeChoice, z.literal("all")]) }),
    object({ kind: z.enum(NETEM_FAULTS), at, ms: z.number().min(0).max(10_000).optional(), percent: z.number().min(0).max(100).optional() }),
    ],
    { error: (issue) => (issue.code === "invalid_union" ? `the kind must be one of ${FAULT_KINDS.join(", ")}` : undefined) },
  );
}

/** Every fault kind a suite may name. */
export const FAULT_KINDS = ["partition", "heal", "loss", "bandwidth", "kill", "restart", "pause", "resume", ...NETEM_FAULTS] as const;

/** What every test has, whatever its workload. */
function commonTestSettings(reading: Reading) {
  return {
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
    faults: z.array(faultStepFor(reading)).default([]),
    /** Node containers keep a data volume at /data that survives kill and restart. */
    dataVolume: z.boolean().default(false),
    /** Fixed seed for the first repetition (later ones derive from it); random when absent. */
    seed: z
      .string()
      .regex(/^\d{1,20}$/, "a whole number of at most 20 digits, in quotes")
      .optional(),
  };
}

/** One workload's test: the common settings, the workload's name, and its own settings beside them. */
function testFor(reading: Reading, name: WorkloadName) {
  const object = reading === "strict" ? z.strictObject : z.object;
  return object({ ...commonTestSettings(reading), workload: z.literal(name), ...WORKLOADS[name].options.shape });
}

function suiteFor(reading: Reading) {
  const object = reading === "strict" ? z.strictObject : z.object;
  /**
   * A test: the common settings, the workload the clients drive, and that
   * workload's own settings beside them (lib/workloads/<name>: e.g. lin-kv's
   * keyCount, broadcast's topology), so each test is validated against its
   * own workload's options.
   */
  const test = z.discriminatedUnion(
    "workload",
    WORKLOAD_NAMES.map((name) => testFor(reading, name)) as [ReturnType<typeof testFor>, ...Array<ReturnType<typeof testFor>>],
    { error: (issue) => (issue.code === "invalid_union" ? `the workload must be one of ${WORKLOAD_NAMES.join(", ")}` : undefined) },
  );
  const suite = object({
    /** Documents written for this version of the format. */
    version: z.literal(1).default(1),
    tests: z.array(test).min(1, "a suite needs at least one test"),
  });
  return { faultStep: faultStepFor(reading), test, suite };
}

const stored = suiteFor("strip");
export const faultStepSchema = stored.faultStep;
export const testSpecSchema = stored.test;
/** A stored suite, read leniently (see the file's header). */
export const suiteSpecSchema = stored.suite;
/** A suite as staff write it, read strictly: unknown keys are errors (see the file's header). */
export const authoredSuiteSchema = suiteFor("strict").suite;

export type FaultStep = z.infer<typeof faultStepSchema>;
export type TestSpec = z.infer<typeof testSpecSchema>;
export type SuiteSpec = z.infer<typeof suiteSpecSchema>;

/** A test's settings for its own workload (e.g. lin-kv's keyCount), as the workload's generator reads them. */
export function workloadOptionsOf(test: TestSpec): Record<string, unknown> {
  return WORKLOADS[test.workload].options.parse(test);
}

/** The workloads whose tests have this setting of their own (e.g. keyCount: lin-kv, kafka). */
export function workloadsWithOption(key: string): WorkloadName[] {
  return WORKLOAD_NAMES.filter((name) => key in WORKLOADS[name].options.shape);
}

/** The keys a test of this workload may have (for suggestions when one is misspelled). */
export function testKeys(workload: string): string[] {
  const own = (WORKLOADS as Record<string, (typeof WORKLOADS)[WorkloadName] | undefined>)[workload]?.options.shape ?? {};
  return [...Object.keys(commonTestSettings("strip")), "workload", ...Object.keys(own)];
}

/** The keys a fault step of this kind may have. */
export function faultStepKeys(kind: string): string[] {
  for (const option of faultStepSchema.options) {
    const shape = option.shape as Record<string, z.ZodType>;
    const kindSchema = shape.kind!;
    if (kindSchema.safeParse(kind).success) return Object.keys(shape);
  }
  return ["kind", "at"];
}

export const SUITE_KEYS = ["version", "tests"];
