// A test's pass criteria beyond its checker: Maelstrom's `availability`
// (--availability: `total`, every client request must succeed, or the least
// fraction that must) and `targets`, the figures Fly.io's challenges set
// (msgs-per-op < 30, median stable latency < 400 ms, ...). Both are read
// from the run's metrics after the checker; each is recorded as met or not
// with its figure, so the report can show every one of them.
//
// Invariant: a criterion whose figure could not be measured is never met
// (the run cannot pass on a figure nobody saw).
import { z } from "zod";
import type { Evidence } from "../checkers/evidence.js";
import type { HistoryMetrics } from "../metrics.js";

/**
 * The figures a target may bound, by the key suites write. `measuredBy`
 * lists the workloads whose runs have the figure (absent: every workload).
 */
export const TARGET_METRICS = {
  msgsPerOp: { label: "msgs-per-op", unit: "", measuredBy: undefined },
  stableLatencyMedianMs: { label: "median stable latency", unit: " ms", measuredBy: ["broadcast", "g-set"] },
  stableLatencyMaxMs: { label: "max stable latency", unit: " ms", measuredBy: ["broadcast", "g-set"] },
  latencyMedianMs: { label: "median operation latency", unit: " ms", measuredBy: undefined },
  latencyP99Ms: { label: "99th-percentile operation latency", unit: " ms", measuredBy: undefined },
  latencyMaxMs: { label: "max operation latency", unit: " ms", measuredBy: undefined },
} as const satisfies Record<string, { label: string; unit: string; measuredBy: readonly string[] | undefined }>;

export type TargetMetric = keyof typeof TARGET_METRICS;
export const TARGET_METRIC_NAMES = Object.keys(TARGET_METRICS) as TargetMetric[];
/** The keys of one target (for suggestions when one is misspelled). */
export const TARGET_BOUND_KEYS = ["below"];

/**
 * Maelstrom's --availability: `total` (every client request, final reads
 * included, must complete ok) or a fraction in (0, 1] of them that must.
 * Absent: availability is shown, not judged.
 */
export const availabilitySchema = z.union([z.literal("total"), z.number().gt(0).max(1)], {
  error: () => 'availability must be "total" (every request must succeed) or the least fraction of requests that must, more than 0 and at most 1 (e.g. 0.99)',
});
export type Availability = z.infer<typeof availabilitySchema>;

/** `targets:` of a test, read strictly (a misspelled metric is an error) or leniently (stored suites). */
export function targetsSchema(reading: "strict" | "strip") {
  const object = reading === "strict" ? z.strictObject : z.object;
  /** The figure must be strictly below this number (Fly.io's "< 30"), in the metric's unit. */
  const bound = object({ below: z.number().positive() });
  return object(Object.fromEntries(TARGET_METRIC_NAMES.map((name) => [name, bound.optional()])) as Record<TargetMetric, z.ZodOptional<typeof bound>>);
}
export type Targets = z.infer<ReturnType<typeof targetsSchema>>;

/** A target on a figure this workload's runs do not have is refused where staff can still change it. */
export function targetsMeasured(workload: string, targets: Targets | undefined, ctx: z.RefinementCtx) {
  for (const name of TARGET_METRIC_NAMES) {
    const measuredBy: readonly string[] | undefined = TARGET_METRICS[name].measuredBy;
    if (targets?.[name] !== undefined && measuredBy && !measuredBy.includes(workload)) {
      ctx.addIssue({
        code: "custom",
        path: ["targets", name],
        message: `${name} is measured only in ${measuredBy.join(" and ")} tests (the time until a value was read on every node), not in ${workload} tests`,
      });
    }
  }
}

/** One criterion judged: what it asked, the run's figure (null: not measured) and whether it was met. */
export interface CriterionResult {
  /** "availability", or the target's metric key. */
  criterion: "availability" | TargetMetric;
  /** In words: "msgs-per-op below 30", "availability total (every request succeeds)". */
  asked: string;
  figure: number | null;
  /** The figure in words with its unit ("23.4", "412 ms", "98.2 %"), or why there is none. */
  shown: string;
  met: boolean;
}

/** What a run's criteria are read from: its metrics and its checker's evidence. */
export interface CriterionInputs {
  metrics: Pick<HistoryMetrics, "availability" | "latencyMs"> & { msgsPerOp?: number | null };
  evidence: Evidence;
}

const rounded = (n: number) => String(Math.round(n * 10) / 10);

/** The run's figure for a metric, or why it has none. */
function figureOf(name: TargetMetric, { metrics, evidence }: CriterionInputs): { figure: number | null; missing: string } {
  const stable = evidence.kind === "set-completeness" ? evidence.stableLatencyMs : null;
  switch (name) {
    case "msgsPerOp":
      return { figure: metrics.msgsPerOp ?? null, missing: "not measured (the messages between servers could not be counted on every node)" };
    case "stableLatencyMedianMs":
      return { figure: stable?.["0.5"] ?? null, missing: "not measured (no value was read on every node)" };
    case "stableLatencyMaxMs":
      return { figure: stable?.["1"] ?? null, missing: "not measured (no value was read on every node)" };
    case "latencyMedianMs":
      return { figure: metrics.latencyMs?.p50 ?? null, missing: "not measured (no operation completed ok)" };
    case "latencyP99Ms":
      return { figure: metrics.latencyMs?.p99 ?? null, missing: "not measured (no operation completed ok)" };
    case "latencyMaxMs":
      return { figure: metrics.latencyMs?.max ?? null, missing: "not measured (no operation completed ok)" };
  }
}

/** Every criterion of a test judged on its run, availability first, then the targets in the order TARGET_METRICS lists them. */
export function judgeCriteria(test: { availability?: Availability; targets?: Targets }, inputs: CriterionInputs): CriterionResult[] {
  const results: CriterionResult[] = [];
  if (test.availability !== undefined) {
    const fraction = inputs.metrics.availability;
    const least = test.availability === "total" ? 1 : test.availability;
    results.push({
      criterion: "availability",
      asked: test.availability === "total" ? "availability total (every request succeeds)" : `availability at least ${rounded(least * 100)} % of requests succeed`,
      figure: fraction,
      shown: fraction === null ? "not measured (no request was made)" : `${rounded(fraction * 100)} % of requests succeeded`,
      met: fraction !== null && fraction >= least,
    });
  }
  for (const name of TARGET_METRIC_NAMES) {
    const bound = test.targets?.[name];
    if (!bound) continue;
    const { label, unit } = TARGET_METRICS[name];
    const { figure, missing } = figureOf(name, inputs);
    results.push({
      criterion: name,
      asked: `${label} below ${bound.below}${unit}`,
      figure,
      shown: figure === null ? missing : `${rounded(figure)}${unit}`,
      met: figure !== null && figure < bound.below,
    });
  }
  return results;
}

/** The reason a run that passed its checker fails its criteria, in words; undefined when every one was met. */
export function unmetCriteriaReason(results: readonly CriterionResult[]): string | undefined {
  const unmet = results.filter((r) => !r.met);
  if (unmet.length === 0) return undefined;
  return `the checker passed, but ${unmet.map((r) => `${r.asked} was not met: ${r.shown}`).join("; ")}`;
}
