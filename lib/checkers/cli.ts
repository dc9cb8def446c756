// The checkers from the command line, for staff and for debugging: reads a
// history file (the `history.json` artifact of a test, a JSON array of events,
// or JSON lines of events), checks it with its workload's checker exactly as
// the runner does, and prints the verdict, the reason and the metrics; or,
// with --json, the results document (format "labgrade-result/1", described in
// the README). Exit status: 0 PASS, 1 FAIL, 2 UNKNOWN, 64 bad usage, 65 a
// file that is not a history (or one its checker cannot read: an unknown
// operation, a value of the wrong shape, the event named).
//
//   npm run check-history -- FILE [--workload NAME] [--nodes n0,n1,...] [--budget-ms N] [--memory-mb N] [--json]
//
// The npm script runs this compiled (check-history.mjs, which rebuilds the
// bundle when a source changed): transpiling at every start cost seconds.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import type { HistoryEvent } from "../history.js";
import { historyMetrics, type LatencySummary } from "../metrics.js";
import { WORKLOAD_NAMES, workloadNamed } from "../workloads/index.js";
import { DEFAULT_CHECK_BUDGET_MS, DEFAULT_CHECK_MEMORY_MB } from "./index.js";
import { MalformedHistoryError, RESULT_FORMAT, type ResultDocument } from "./types.js";

export const EXIT = { PASS: 0, FAIL: 1, UNKNOWN: 2, USAGE: 64, DATA: 65 } as const;

const USAGE = `usage: npm run check-history -- FILE [--workload NAME] [--nodes n0,n1,...] [--budget-ms N] [--memory-mb N] [--json]
  FILE         a test's history.json, a JSON array of events, or JSON lines of events ("-" reads standard input)
  --workload   the checker to use (default: the file's test.workload); one of ${WORKLOAD_NAMES.join(", ")}
  --nodes      the node ids (default: the file's test.nodes as n0..; else the nodes the events name)
  --budget-ms  time the linearizability search may take before saying UNKNOWN (default ${DEFAULT_CHECK_BUDGET_MS})
  --memory-mb  memory one linearizability search may hold before saying UNKNOWN (default ${DEFAULT_CHECK_MEMORY_MB})
  --json       print the results document instead of text`;

const eventSchema = z.object({
  index: z.number().int().min(0),
  type: z.enum(["invoke", "ok", "fail", "info"]),
  process: z.number().int().min(0),
  f: z.string().min(1),
  value: z.unknown(),
  timeUs: z.number(),
  node: z.string(),
  phase: z.literal("final").optional(),
  error: z.object({ code: z.number().int(), text: z.string() }).optional(),
});

const historyFileSchema = z.object({
  format: z.literal("labgrade-history/1"),
  seed: z.string().optional(),
  test: z.looseObject({ name: z.string().optional(), workload: z.string().optional(), nodes: z.number().int().min(1).optional() }).optional(),
  events: z.array(z.unknown()),
});

/** Something a person can fix, said in one line. */
class InputError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

interface ParsedHistory {
  events: HistoryEvent[];
  workload?: string;
  nodes?: number;
  seed?: string;
  testName?: string;
}

/** Reads any of the accepted shapes, naming the first thing wrong (and where). */
export function parseHistoryText(text: string, name: string): ParsedHistory {
  const trimmed = text.trim();
  if (trimmed === "") throw new InputError(`${name} is empty: expected a history (see the README, "History format")`, EXIT.DATA);
  let raw: unknown[];
  let meta: Omit<ParsedHistory, "events"> = {};
  let lineOf: (i: number) => string = (i) => `event ${i}`;
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch {
    whole = undefined;
  }
  if (whole === undefined) {
    // JSON lines: one event per line (also accepted wrapped as {"event": {...}}, as the controller writes them).
    raw = [];
    const lineNumbers: number[] = [];
    trimmed.split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        throw new InputError(`${name}:${i + 1}: not JSON (${(err as Error).message}); expected a history document, an array of events or one event per line`, EXIT.DATA);
      }
      if (parsed && typeof parsed === "object" && "event" in parsed) parsed = (parsed as { event: unknown }).event;
      else if (parsed && typeof parsed === "object" && !("type" in parsed)) return; // controller lines that are not events (stats, logs)
      raw.push(parsed);
      lineNumbers.push(i + 1);
    });
    lineOf = (i) => `${name}:${lineNumbers[i]}`;
  } else if (Array.isArray(whole)) {
    raw = whole;
  } else {
    const file = historyFileSchema.safeParse(whole);
    if (!file.success) {
      const issue = file.error.issues[0]!;
      throw new InputError(`${name}: not a history document: ${issue.path.join(".") || "(top level)"}: ${issue.message} (expected {"format": "labgrade-history/1", "events": [...]})`, EXIT.DATA);
    }
    raw = file.data.events;
    meta = { workload: file.data.test?.workload, nodes: file.data.test?.nodes, seed: file.data.seed, testName: file.data.test?.name };
  }
  const events: HistoryEvent[] = [];
  raw.forEach((candidate, i) => {
    const parsed = eventSchema.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InputError(`${name}: ${lineOf(i)}: ${issue.path.join(".") || "event"}: ${issue.message}`, EXIT.DATA);
    }
    events.push(parsed.data as HistoryEvent);
  });
  return { events, ...meta };
}


/** Checks a parsed history; the same checker and context the runner uses. */
export function checkHistory(history: ParsedHistory, options: { workload?: string; nodes?: string[]; budgetMs?: number; memoryBudgetMb?: number }): ResultDocument {
  const workload = options.workload ?? history.workload;
  if (!workload) throw new InputError(`the history names no workload; pass --workload (one of ${WORKLOAD_NAMES.join(", ")})`, EXIT.USAGE);
  const checker = workloadNamed(workload)?.check;
  if (!checker) throw new InputError(`no checker for workload "${workload}"; known: ${WORKLOAD_NAMES.join(", ")}`, EXIT.USAGE);
  const nodeIds =
    options.nodes ?? (history.nodes ? Array.from({ length: history.nodes }, (_, i) => `n${i}`) : [...new Set(history.events.map((e) => e.node))].sort());
  const checked = checker(history.events, { nodeIds, budgetMs: options.budgetMs ?? DEFAULT_CHECK_BUDGET_MS, memoryBudgetMb: options.memoryBudgetMb ?? DEFAULT_CHECK_MEMORY_MB });
  return {
    format: RESULT_FORMAT,
    workload,
    ...(history.seed ? { seed: history.seed } : {}),
    ...(history.testName ? { test: history.testName } : {}),
    verdict: checked.verdict,
    reason: checked.reason,
    evidence: checked.evidence,
    metrics: historyMetrics(history.events),
  };
}

const latencyText = (l: LatencySummary | null) => (l ? `p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms` : "no ok operations");

/** The result for a person to read. */
export function formatResult(result: ResultDocument): string {
  const m = result.metrics;
  const lines = [
    `${result.verdict}  ${result.workload}${result.test ? ` test "${result.test}"` : ""}${result.seed ? ` seed ${result.seed}` : ""}`,
    `reason: ${result.reason}`,
    `operations: ${m.operations}, availability ${m.availability === null ? "-" : `${(m.availability * 100).toFixed(1)} %`}`,
  ];
  for (const [f, o] of Object.entries(m.byOperation)) {
    lines.push(`  ${f}: ${o.invoked} invoked, ${o.ok} ok, ${o.fail} fail, ${o.indeterminate} indeterminate; latency ${latencyText(o.latencyMs)}`);
  }
  const evidence = JSON.stringify(result.evidence, null, 2).split("\n");
  lines.push(`evidence:`, ...evidence.slice(0, 60).map((l) => `  ${l}`));
  if (evidence.length > 60) lines.push(`  … ${evidence.length - 60} more lines (use --json for all of it)`);
  return lines.join("\n");
}

/** The whole command; returns the exit status. */
export function main(argv: readonly string[], io: { out: (s: string) => void; err: (s: string) => void; stdin: () => string }): number {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        allowPositionals: true,
        options: {
          workload: { type: "string" },
          nodes: { type: "string" },
          "budget-ms": { type: "string" },
          "memory-mb": { type: "string" },
          json: { type: "boolean" },
          help: { type: "boolean", short: "h" },
        },
      });
    } catch (err) {
      throw new InputError(`${(err as Error).message}\n${USAGE}`, EXIT.USAGE);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new InputError(`expected one history file, got ${positionals.length}\n${USAGE}`, EXIT.USAGE);
    let budgetMs: number | undefined;
    if (values["budget-ms"] !== undefined) {
      budgetMs = Number(values["budget-ms"]);
      if (!Number.isInteger(budgetMs) || budgetMs < 1) throw new InputError(`--budget-ms must be a whole number of milliseconds ≥ 1, got "${values["budget-ms"]}"`, EXIT.USAGE);
    }
    let memoryBudgetMb: number | undefined;
    if (values["memory-mb"] !== undefined) {
      memoryBudgetMb = Number(values["memory-mb"]);
      if (!Number.isInteger(memoryBudgetMb) || memoryBudgetMb < 1) throw new InputError(`--memory-mb must be a whole number of MB ≥ 1, got "${values["memory-mb"]}"`, EXIT.USAGE);
    }
    const nodes = values.nodes?.split(",").map((s) => s.trim()).filter(Boolean);
    if (nodes && nodes.length === 0) throw new InputError(`--nodes needs at least one node id, e.g. --nodes n0,n1,n2`, EXIT.USAGE);
    const file = positionals[0]!;
    let text: string;
    try {
      text = file === "-" ? io.stdin() : readFileSync(file, "utf8");
    } catch (err) {
      throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`, EXIT.USAGE);
    }
    const name = file === "-" ? "standard input" : file;
    let result: ResultDocument;
    try {
      result = checkHistory(parseHistoryText(text, name), { workload: values.workload, nodes, budgetMs, memoryBudgetMb });
    } catch (err) {
      if (err instanceof MalformedHistoryError) throw new InputError(`${name}: ${err.message}`, EXIT.DATA);
      throw err;
    }
    io.out(values.json ? JSON.stringify(result, null, 2) : formatResult(result));
    return EXIT[result.verdict as keyof typeof EXIT];
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`check-history: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
    stdin: () => readFileSync(0, "utf8"),
  });
}
