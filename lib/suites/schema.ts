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
import { RAFT_TEST_NAMES, raftTestNamed } from "../labs/mit-6.5840/raft-tests.js";
import { hasFinalPhase, WORKLOAD_NAMES, WORKLOADS, type WorkloadName } from "../workloads/index.js";
import { availabilitySchema, targetsMeasured, targetsSchema } from "./targets.js";

/** Seconds after the main phase starts. */
const at = z.number().min(0).max(600);
/** A node id, or "random" (chosen from the test's seed). */
const nodeChoice = z.union([z.literal("random"), z.string().regex(/^n\d+$/, 'a node id like "n0", or "random"')]);

/** A node id (no "random"): the ends of a one-way link. */
const nodeId = z.string().regex(/^n\d+$/, 'a node id like "n0"');

export const PARTITION_MODES = ["isolate", "halves", "majority-minority", "majorities-ring", "one-way"] as const;
/**
 * Fault kinds that shape packets between nodes (sandbox/shaping.ts): they
 * need a runner that can hold packets, with our packet scheduler or the
 * kernel's netem (lib/suites/capabilities.ts).
 */
export const SHAPING_FAULTS = ["delay", "jitter", "reorder", "duplicate"] as const;
/** How a test's latency is spread around its mean (Maelstrom's --latency-dist). */
export const LATENCY_DISTRIBUTIONS = ["constant", "uniform", "exponential"] as const;

/** Milliseconds of delay (a fault step's, or a test's latency). */
const delayMs = z.number().min(0).max(5_000);
const percent = z.number().min(0).max(100);

type Reading = "strict" | "strip";

/** The packets a shaping step covers: all between nodes, one node's (`node`), or one way (`from`, `to`). */
const shapingTargets = { node: nodeChoice.optional(), from: nodeId.optional(), to: nodeId.optional() };

/** A shaping step names one node, or both ends of a link, or neither. */
function oneTarget(step: { node?: string; from?: string; to?: string }, ctx: z.RefinementCtx) {
  const link = step.from !== undefined || step.to !== undefined;
  if (link && (step.from === undefined || step.to === undefined)) {
    ctx.addIssue({ code: "custom", path: [step.from === undefined ? "from" : "to"], message: "a one-way link needs both from and to" });
  } else if (link && step.node !== undefined) {
    ctx.addIssue({ code: "custom", path: ["node"], message: "give node (all of one node's packets) or from and to (one way between two nodes), not both" });
  } else if (link && step.from === step.to) {
    ctx.addIssue({ code: "custom", path: ["to"], message: `from and to must be two different nodes (both are ${String(step.from)})` });
  }
}

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
    // Shaping, until a heal or the next step of the same kind on the same packets: every node's
    // packets to its peers, one node's (`node`), or one way from a node to another (`from`, `to`).
    // delay adds its ms to the test's latency; jitter spreads each delay by ± its ms; reorder sends
    // its percent of packets at once, past those held (for ms, where nothing else delays them);
    // duplicate sends its percent twice. Without a value: 100 ms, 10 %.
    object({ kind: z.literal("delay"), at, ms: delayMs.optional(), ...shapingTargets }).superRefine(oneTarget),
    object({ kind: z.literal("jitter"), at, ms: delayMs.optional(), ...shapingTargets }).superRefine(oneTarget),
    object({ kind: z.literal("reorder"), at, percent: percent.optional(), ms: delayMs.optional(), ...shapingTargets }).superRefine(oneTarget),
    object({ kind: z.literal("duplicate"), at, percent: percent.optional(), ...shapingTargets }).superRefine(oneTarget),
    ],
    { error: (issue) => (issue.code === "invalid_union" ? `the kind must be one of ${FAULT_KINDS.join(", ")}` : undefined) },
  );
}

/** Every fault kind a suite may name. */
export const FAULT_KINDS = ["partition", "heal", "loss", "bandwidth", "kill", "restart", "pause", "resume", ...SHAPING_FAULTS] as const;

/**
 * Maelstrom's defaults, for what a test does not say (its CLI's and Jepsen's:
 * 5 nodes, --concurrency 1n, --rate 5, --time-limit 60, a 5 s client timeout,
 * and `sleep 10` between healing and the final operations).
 */
export const MAELSTROM_DEFAULTS = { nodes: 5, clientsPerNode: 1, rate: 5, durationSeconds: 60, requestTimeoutSeconds: 5, recoverySeconds: 10 } as const;

/**
 * The defaults that depend on the rest of a test: one client per node, and
 * Maelstrom's recovery wait only where the workload has final operations (its
 * other workloads end with the main phase).
 */
function withMaelstromDefaults<T extends { workload: string; nodes?: number; concurrency?: number; recoverySeconds?: number }>(test: T): Defaulted<T> {
  if (test.workload === RAFT_WORKLOAD) return test as Defaulted<T>;
  // An unknown workload is refused by the union later; here it simply gets no recovery.
  const hasFinalOps = (WORKLOAD_NAMES as readonly string[]).includes(test.workload) && hasFinalPhase(test.workload as WorkloadName);
  return {
    ...test,
    concurrency: test.concurrency ?? (test.nodes ?? MAELSTROM_DEFAULTS.nodes) * MAELSTROM_DEFAULTS.clientsPerNode,
    recoverySeconds: test.recoverySeconds ?? (hasFinalOps ? MAELSTROM_DEFAULTS.recoverySeconds : 0),
  } as Defaulted<T>;
}

/** A workload test once its defaults are filled: concurrency and recoverySeconds always set. */
type Defaulted<T> = T extends { workload: typeof RAFT_WORKLOAD } ? T : Omit<T, "concurrency" | "recoverySeconds"> & { concurrency: number; recoverySeconds: number };

/** What every test has, whatever its workload. */
function commonTestSettings(reading: Reading) {
  return {
    /** Unique within the suite; shown to students unless hidden. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and dashes, starting with a letter or digit"),
    // Where a test is silent, Maelstrom's defaults (MAELSTROM.md): 5 nodes, one client per node
    // (concurrency 1n), 5 operations a second for 60 s, a 5 s request timeout, no latency, and a
    // 10 s recovery before the final operations of workloads that have them (withMaelstromDefaults).
    /** Number of node containers, n0..n(N-1) (Maelstrom's --node-count). */
    nodes: z.number().int().min(1).max(25).default(MAELSTROM_DEFAULTS.nodes),
    /** Concurrent client processes (Maelstrom's --concurrency; absent: one per node, "1n"). */
    concurrency: z.number().int().min(1).max(100).optional(),
    /** Target client operations per second, across all clients (Maelstrom's --rate). */
    rate: z.number().positive().max(10_000).default(MAELSTROM_DEFAULTS.rate),
    /** Length of the main phase, in seconds (Maelstrom's --time-limit). */
    durationSeconds: z.number().positive().max(600).default(MAELSTROM_DEFAULTS.durationSeconds),
    /** Wait after faults heal, before the final operations (absent: 10 s if the workload has final operations, as Maelstrom waits). */
    recoverySeconds: z.number().min(0).max(120).optional(),
    /** A request with no reply in this time is recorded as indeterminate. */
    requestTimeoutSeconds: z.number().positive().max(60).default(MAELSTROM_DEFAULTS.requestTimeoutSeconds),
    /** Points for passing (pass rate × points with repetitions). */
    points: z.number().min(0).default(1),
    /** When students see this test's details. */
    visibility: z.enum(["always", "after_due", "hidden"]).default("always"),
    /** Runs of this test, each with its own seed. */
    repetitions: z.number().int().min(1).max(20).default(1),
    /**
     * Delay on every packet between nodes for the whole run (Maelstrom's --latency and
     * --latency-dist): ms is the mean one-way delay. Clients and services are not delayed.
     */
    latency: (reading === "strict" ? z.strictObject : z.object)({
      ms: delayMs,
      distribution: z.enum(LATENCY_DISTRIBUTIONS).default("constant"),
    }).optional(),
    /** Faults, in time order; a kill of a node keeps it down until a restart step or the heal. */
    faults: z.array(faultStepFor(reading)).default([]),
    /** Node containers keep a data volume at /data that survives kill and restart. */
    dataVolume: z.boolean().default(false),
    /**
     * Partitions cut the services (lin-kv, seq-kv, …) off too, from every node left without a
     * majority; off, as in Maelstrom, where the services are always reachable.
     */
    servicesWithMajority: z.boolean().default(false),
    /** Fixed seed for the first repetition (later ones derive from it); random when absent. */
    seed: z
      .string()
      .regex(/^\d{1,20}$/, "a whole number of at most 20 digits, in quotes")
      .optional(),
    ...passCriteria(reading),
  };
}

/**
 * What a run must achieve besides its checker's verdict (lib/suites/targets.ts
 * judges them; the report shows each as met or not, with the figure).
 */
function passCriteria(reading: Reading) {
  return {
    /**
     * Maelstrom's --availability: `total` (every client request, final reads
     * included, must succeed) or the least fraction of them that must (0.99).
     * Absent: not judged.
     */
    availability: availabilitySchema.optional(),
    /**
     * Figures the run must stay strictly below, by metric (Fly.io's goals, e.g.
     * `{ msgsPerOp: { below: 30 }, stableLatencyMedianMs: { below: 400 } }`):
     * msgsPerOp, stableLatencyMedianMs and stableLatencyMaxMs (broadcast and
     * g-set only), latencyMedianMs, latencyP99Ms, latencyMaxMs. Maelstrom has
     * no flag for these.
     */
    targets: targetsSchema(reading).optional(),
  };
}

/** One workload's test: the common settings, the workload's name, and its own settings beside them. */
function testFor(reading: Reading, name: WorkloadName) {
  const object = reading === "strict" ? z.strictObject : z.object;
  return object({ ...commonTestSettings(reading), workload: z.literal(name), ...WORKLOADS[name].options.shape })
    .superRefine(nodesNamedExist)
    .superRefine((test, ctx) => targetsMeasured(name, test.targets, ctx));
}

/** A fault step may only name nodes the test has. */
function nodesNamedExist(test: { nodes: number; faults: ReadonlyArray<Record<string, unknown>> }, ctx: z.RefinementCtx) {
  test.faults.forEach((step, i) => {
    for (const key of ["node", "from", "to"]) {
      const match = typeof step[key] === "string" ? /^n(\d+)$/.exec(step[key]) : null;
      if (match && Number(match[1]) >= test.nodes) {
        ctx.addIssue({
          code: "custom",
          path: ["faults", i, key],
          message: `${String(step[key])} is not one of this test's nodes (${test.nodes === 1 ? "n0" : `n0 to n${test.nodes - 1}`})`,
        });
      }
    }
  });
}

/**
 * A test of MIT 6.5840's Raft lab: one course test by its name (`raft:
 * TestFigure8Unreliable3C`), run by our distributed tester against the
 * student's own Raft (lib/labs/mit-6.5840/raft-tests.ts fixes its servers,
 * faults and budget, as the course's test does). Written without `workload`;
 * it reads as the `raft` workload.
 */
function raftTestFor(reading: Reading) {
  const object = reading === "strict" ? z.strictObject : z.object;
  const { name, points, visibility, repetitions, seed } = commonTestSettings(reading);
  return object({
    name,
    workload: z.literal(RAFT_WORKLOAD),
    /** The course's test, by its name in the skeleton's test file. */
    raft: z.enum(RAFT_TEST_NAMES, { error: () => `a test of the course's Raft lab, one of ${RAFT_TEST_NAMES.join(", ")}` }),
    points,
    visibility,
    repetitions,
    seed,
  });
}

/** The name a Raft test reads under (suites write `raft: <course test>` instead). */
export const RAFT_WORKLOAD = "raft";

/** A test written `raft: <name>` reads as the raft workload. */
const withRaftWorkload = (value: unknown) =>
  value !== null && typeof value === "object" && "raft" in value && !("workload" in value) ? { ...value, workload: RAFT_WORKLOAD } : value;

function suiteFor(reading: Reading) {
  const object = reading === "strict" ? z.strictObject : z.object;
  /**
   * A test: the common settings, the workload the clients drive, and that
   * workload's own settings beside them (lib/workloads/<name>: e.g. lin-kv's
   * keyCount, broadcast's topology), so each test is validated against its
   * own workload's options.
   */
  const test = z
    .preprocess(
      withRaftWorkload,
      z.discriminatedUnion(
        "workload",
        [raftTestFor(reading), ...(WORKLOAD_NAMES.map((name) => testFor(reading, name)) as [ReturnType<typeof testFor>, ...Array<ReturnType<typeof testFor>>])],
        { error: (issue) => (issue.code === "invalid_union" ? `the workload must be one of ${WORKLOAD_NAMES.join(", ")} (or raft: a test of the course's Raft lab)` : undefined) },
      ),
    )
    .transform(withMaelstromDefaults);
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
/** A test the workload's clients drive (every kind but the Raft lab's). */
export type WorkloadTestSpec = Exclude<TestSpec, { workload: typeof RAFT_WORKLOAD }>;
/** A test of the Raft lab: a course test run by our distributed tester. */
export type RaftTestSpec = Extract<TestSpec, { workload: typeof RAFT_WORKLOAD }>;

export const isRaftTest = (test: TestSpec): test is RaftTestSpec => test.workload === RAFT_WORKLOAD;

/**
 * How long a test's main phase is planned to last, ms: a workload test's
 * duration and recovery; a Raft test's budget (the course's test decides
 * when it ends, within it).
 */
export function plannedTestMs(test: TestSpec): number {
  if (isRaftTest(test)) return raftTestNamed(test.raft)!.budgetMs;
  return Math.round((test.durationSeconds + test.recoverySeconds) * 1000);
}
export type SuiteSpec = z.infer<typeof suiteSpecSchema>;

/** A test's settings for its own workload (e.g. lin-kv's keyCount), as the workload's generator reads them. */
export function workloadOptionsOf(test: WorkloadTestSpec): Record<string, unknown> {
  return WORKLOADS[test.workload].options.parse(test);
}

/** The workloads whose tests have this setting of their own (e.g. keyCount: lin-kv, kafka). */
export function workloadsWithOption(key: string): WorkloadName[] {
  return WORKLOAD_NAMES.filter((name) => key in WORKLOADS[name].options.shape);
}

/** The keys a test of this workload may have (for suggestions when one is misspelled). */
export function testKeys(workload: string): string[] {
  if (workload === RAFT_WORKLOAD) return ["name", "raft", "points", "visibility", "repetitions", "seed"];
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
export const LATENCY_KEYS = ["ms", "distribution"];
export { TARGET_BOUND_KEYS, TARGET_METRIC_NAMES } from "./targets.js";
