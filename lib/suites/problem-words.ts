// A suite's schema problems in plain words, for the person who wrote it:
// "`fualts` is not a test setting; did you mean `faults`?", "kind must be one
// of partition, heal, loss, …", "nodes must be at most 25 (it is 99)" — not
// a parser's jargon. Each problem keeps its path (and, for an unknown key,
// the key itself) so parse-suite.ts can point at its line.
import type { z } from "zod";
import { faultStepKeys, LATENCY_KEYS, RAFT_WORKLOAD, SUITE_KEYS, TARGET_BOUND_KEYS, TARGET_METRIC_NAMES, testKeys, workloadsWithOption } from "./schema.js";

export interface SuiteProblem {
  path: ReadonlyArray<string | number>;
  /** The unknown key itself, for unrecognized keys (its own line is shown). */
  key?: string;
  message: string;
}

/** Edit distance, for "did you mean": small words, small budget. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known key nearest to `key`, if it is near enough to be a typo of it. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const candidate of known) {
    const d = distance(key, candidate);
    if (!best || d < best.d) best = { key: candidate, d };
  }
  return best && best.d <= Math.max(1, Math.floor(Math.max(key.length, best.key.length) / 3)) ? best.key : undefined;
}

function valueAt(data: unknown, path: ReadonlyArray<string | number>): unknown {
  let value = data;
  for (const step of path) value = value !== null && typeof value === "object" ? (value as Record<string | number, unknown>)[step] : undefined;
  return value;
}

/** "a" or "an", for the word that follows. */
const article = (word: string) => (/^[aeiou]/i.test(word) ? "an" : "a");

/** What an object at `path` is, in words, which keys it may have, and whose a key is if another workload's. */
function placeOf(path: ReadonlyArray<string | number>, data: unknown): { what: string; known: string[]; workload?: string } {
  if (path.length === 0) return { what: "a suite setting (the document has version and tests)", known: SUITE_KEYS };
  if (path.length === 2 && path[0] === "tests") {
    const test = valueAt(data, path) as { workload?: unknown; raft?: unknown } | undefined;
    if (test && test.raft !== undefined && test.workload === undefined) return { what: "a setting of a Raft test (the course's test fixes its servers, faults and times)", known: testKeys(RAFT_WORKLOAD), workload: RAFT_WORKLOAD };
    const workload = test?.workload;
    if (typeof workload !== "string") return { what: "a test setting", known: testKeys("") };
    return { what: `a setting of ${article(workload)} ${workload} test`, known: testKeys(workload), workload };
  }
  if (path.length === 3 && path[0] === "tests" && path[2] === "latency") return { what: "a latency setting", known: LATENCY_KEYS };
  if (path.length === 3 && path[0] === "tests" && path[2] === "targets") return { what: "a metric a target may bound", known: TARGET_METRIC_NAMES };
  if (path.length === 4 && path[0] === "tests" && path[2] === "targets") return { what: "a setting of a target (the figure must stay below a number)", known: TARGET_BOUND_KEYS };
  if (path.length === 4 && path[0] === "tests" && path[2] === "faults") {
    const kind = (valueAt(data, path) as { kind?: unknown })?.kind;
    return { what: typeof kind === "string" ? `a setting of ${article(kind)} ${kind} fault` : "a fault setting", known: faultStepKeys(String(kind)) };
  }
  return { what: "a setting here", known: [] };
}

/** zod's own wording (as opposed to a message the schema gives in words). */
const isDefaultMessage = (message: string) => /^(Invalid|Too (small|big)|Expected|Unrecognized|Required)/.test(message);

/** The field's name for a message: its key, or "item N" for a list's element. */
function field(path: ReadonlyArray<string | number>): string {
  const last = path[path.length - 1];
  if (last === undefined) return "the suite";
  return typeof last === "number" ? `item ${last + 1}` : last;
}

function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "missing";
  return JSON.stringify(value) ?? String(value);
}

const typeWords: Record<string, string> = {
  number: "a number",
  string: "text",
  boolean: "true or false",
  array: "a list",
  object: "a set of settings (key: value lines)",
  int: "a whole number",
};

function issueWords(issue: z.core.$ZodIssue, data: unknown): string {
  const name = field(issue.path as Array<string | number>);
  const value = valueAt(data, issue.path as Array<string | number>);
  // The schema's own words say what the value must be: "a node id like "n0", or "random"".
  if (!isDefaultMessage(issue.message)) {
    if (issue.code === "invalid_format") return `${name} must be ${issue.message} (it is ${shown(value)})`;
    return issue.message;
  }
  switch (issue.code) {
    case "invalid_type":
      return value === undefined ? `${name} is missing` : `${name} must be ${typeWords[issue.expected] ?? issue.expected} (it is ${shown(value)})`;
    case "invalid_value":
      return issue.values.length === 1 ? `${name} must be ${shown(issue.values[0])}` : `${name} must be one of ${issue.values.map((v) => String(v)).join(", ")} (it is ${shown(value)})`;
    case "too_small": {
      const unit = issue.origin === "array" ? " items" : issue.origin === "string" ? " characters" : "";
      return `${name} must be ${issue.inclusive === false ? "more than" : "at least"} ${String(issue.minimum)}${unit} (it is ${Array.isArray(value) ? `${value.length} items` : shown(value)})`;
    }
    case "too_big": {
      const unit = issue.origin === "array" ? " items" : issue.origin === "string" ? " characters" : "";
      return `${name} must be ${issue.inclusive === false ? "less than" : "at most"} ${String(issue.maximum)}${unit} (it is ${Array.isArray(value) ? `${value.length} items` : shown(value)})`;
    }
    case "not_multiple_of":
      return `${name} must be a multiple of ${String(issue.divisor)} (it is ${shown(value)})`;
    case "invalid_format":
      return `${name} is not in the right form (it is ${shown(value)})`;
    case "invalid_union":
      return `${name} is not one of the forms it may take (it is ${shown(value)})`;
    default:
      return issue.message;
  }
}

/** The problems of a failed parse, in plain words: one per unknown key, one per other issue. */
export function problemsOf(issues: readonly z.core.$ZodIssue[], data: unknown): SuiteProblem[] {
  const problems: SuiteProblem[] = [];
  for (const issue of issues) {
    const path = issue.path as Array<string | number>;
    if (issue.code === "unrecognized_keys") {
      const { what, known, workload } = placeOf(path, data);
      for (const key of issue.keys) {
        const guess = nearest(key, known.filter((k) => k !== key));
        const others = workload && workload !== RAFT_WORKLOAD ? workloadsWithOption(key) : [];
        const hint = guess
          ? `; did you mean \`${guess}\`?`
          : others.length > 0
            ? ` (it is a setting of ${others.join(" and ")} tests)`
            : known.length > 0
              ? ` (known: ${known.join(", ")})`
              : "";
        problems.push({ path, key, message: `\`${key}\` is not ${what}${hint}` });
      }
      continue;
    }
    problems.push({ path, message: issueWords(issue, data) });
  }
  return problems;
}
