// A Maelstrom command line, as Fly.io's Gossip Glomers and course handouts
// print it (`./maelstrom test -w broadcast --bin ~/go/bin/x --node-count 25
// --time-limit 20 --rate 100 --latency 100 --nemesis partition`), turned into
// one test of our suite format (schema.ts), with Maelstrom's own defaults
// written out for every flag left off, so the test runs what the command ran.
// `labgrade suite from-maelstrom` and the suite editor both call it.
//
// The flags are Maelstrom's (maelstrom.core's opt-spec) and Jepsen's (its
// CLI's test options), every one of them known here. A flag whose effect we
// cannot reproduce is a problem, named; one that changes nothing a grading
// can see (--bin: we run the student's own build; log switches; SSH options
// Maelstrom itself ignores) is a note saying why it was dropped. The typographic
// dashes copied commands carry (`–-nemesis`, `—nemesis`) read as `--`.
//
// Pure: no I/O; the result is checked with the suite parser before it is
// returned, so what it gives is a test staff can save.
import { Document, isMap, isSeq } from "yaml";
import { hasFinalPhase, WORKLOADS, workloadNamed, type WorkloadName } from "../workloads/index.js";
import { parseSuite } from "./parse-suite.js";
import { testKeys } from "./schema.js";

export type MaelstromConversion =
  | {
      ok: true;
      /** The test, as its suite entry (before defaults). */
      test: Record<string, unknown>;
      /** A whole suite holding the test, as YAML. */
      suiteYaml: string;
      /** The test alone, as an entry of `tests:` (indented two spaces), to append to a suite. */
      testYaml: string;
      /** Flags dropped because they change nothing here, what was read differently, and why. */
      notes: string[];
    }
  | { ok: false; problems: string[]; notes: string[] };

/** Maelstrom's defaults (maelstrom.core and jepsen.cli), where a command leaves a flag off. */
export const MAELSTROM_DEFAULTS = {
  /** Jepsen's default node list is n1..n5. */
  nodeCount: 5,
  timeLimitSeconds: 60,
  ratePerSecond: 5,
  /** "1n": one client per node. */
  concurrency: "1n",
  nemesisIntervalSeconds: 10,
  /** Maelstrom sleeps this long after healing, before a workload's final reads. */
  recoverySeconds: 10,
  /** -w when absent. */
  workload: "lin-kv",
} as const;

/** Maelstrom's workloads we have no counterpart for yet. */
const MAELSTROM_ONLY_WORKLOADS = ["txn-list-append", "txn-rw-register", "lin-kv-only", "lock"];

type Flag =
  | { takes: "value"; does: "set" }
  | { takes: "value" | "switch"; does: "ignore"; why: string }
  | { takes: "value" | "switch"; does: "refuse"; why: string };

const set: Flag = { takes: "value", does: "set" };
const ignoredSwitch = (why: string): Flag => ({ takes: "switch", does: "ignore", why });
const ignoredValue = (why: string): Flag => ({ takes: "value", does: "ignore", why });

const SSH_UNUSED = "Maelstrom runs every node locally and ignores SSH settings";

/** Every flag `maelstrom test` accepts, by its long name, and what we do with it. */
const FLAGS: Record<string, Flag> = {
  "--workload": set,
  "--bin": ignoredValue("we run the lab's build of the student's upload as every node"),
  "--node-count": set,
  "--time-limit": set,
  "--rate": set,
  "--concurrency": set,
  "--latency": set,
  "--latency-dist": set,
  "--nemesis": set,
  "--nemesis-interval": set,
  "--topology": set,
  "--availability": set,
  "--key-count": set,
  "--test-count": set,
  "--consistency-models": set,
  "--max-txn-length": set,
  "--max-writes-per-key": set,
  "--log-stderr": ignoredSwitch("every node's stderr is kept with the report anyway"),
  "--log-net-send": ignoredSwitch("every message is recorded in the run's journal anyway"),
  "--log-net-recv": ignoredSwitch("every message is recorded in the run's journal anyway"),
  "--leave-db-running": ignoredSwitch("a grading's nodes are removed when it ends"),
  "--logging-json": ignoredSwitch("it only changes how Maelstrom writes its own log"),
  "--username": ignoredValue(SSH_UNUSED),
  "--password": ignoredValue(SSH_UNUSED),
  "--ssh-private-key": ignoredValue(SSH_UNUSED),
  "--strict-host-key-checking": ignoredSwitch(SSH_UNUSED),
  "--dummy-ssh": ignoredSwitch(SSH_UNUSED),
  "--no-ssh": ignoredSwitch(SSH_UNUSED),
  "--node": set,
  "--nodes": set,
  "--nodes-file": set,
  "--help": { takes: "switch", does: "refuse", why: "it asks Maelstrom for its usage, not for a test" },
};
const SHORT_FLAGS: Record<string, string> = { "-w": "--workload", "-n": "--node", "-h": "--help" };

/** Which suite key each flag becomes, for problems the suite parser finds in the value. */
const KEY_FLAGS: Record<string, string> = {
  nodes: "--node-count",
  durationSeconds: "--time-limit",
  rate: "--rate",
  concurrency: "--concurrency",
  latency: "--latency",
  topology: "--topology",
  keyCount: "--key-count",
  maxWritesPerKey: "--max-writes-per-key",
  availability: "--availability",
  repetitions: "--test-count",
  faults: "--nemesis",
};

/** Dashes and quotes that word processors and web pages put in place of ASCII ones. */
const TYPOGRAPHIC_DASH = /^[\u2010-\u2015\u2212]/u;
const QUOTES: Record<string, string> = { '"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019" };

/**
 * The words of a shell line: quotes ("…", '…', and the curly ones) group,
 * a backslash escapes the next character, a backslash before a newline
 * continues the line (multi-line commands are pasted that way).
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\") {
      const next = line[i + 1];
      i++;
      if (next === undefined || next === "\n") continue;
      if (next === "\r" && line[i + 1] === "\n") {
        i++;
        continue;
      }
      word = (word ?? "") + next;
    } else if (c in QUOTES) {
      const close = line.indexOf(QUOTES[c]!, i + 1);
      const end = close < 0 ? line.length : close;
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** A word that starts with a typographic dash (`–-nemesis`, `—nemesis`, `–nemesis`) as the flag it stands for. */
function asciiDashes(word: string): string {
  if (!TYPOGRAPHIC_DASH.test(word)) return word;
  const name = word.replace(/^[\u2010-\u2015\u2212-]+/u, "");
  // `–w` was `-w`; anything longer was a long flag.
  return /^[a-z](=|$)/i.test(name) ? `-${name}` : `--${name}`;
}

/** The words after `maelstrom test` (or the line itself when it is only flags), or why the line is not such a command. */
function testArguments(words: string[]): { ok: true; args: string[] } | { ok: false; problem: string } {
  const start = words[0] === "$" ? 1 : 0;
  const rest = words.slice(start);
  if (rest.length === 0) return { ok: false, problem: "the command is empty: paste a `maelstrom test …` line" };
  if (rest[0]!.startsWith("-") || TYPOGRAPHIC_DASH.test(rest[0]!)) return { ok: true, args: rest };
  const testAt = rest.indexOf("test");
  const program = rest.slice(0, testAt < 0 ? rest.length : testAt);
  const looksLikeMaelstrom = program.some((word) => /maelstrom/i.test(word)) || program[0] === "lein";
  if (!looksLikeMaelstrom) return { ok: false, problem: `this is not a Maelstrom command (it starts with "${rest[0]}"): paste a \`maelstrom test …\` line` };
  if (testAt < 0) {
    const sub = rest[program.findIndex((word) => /maelstrom/i.test(word)) + 1];
    return { ok: false, problem: `only \`maelstrom test\` runs a test${sub ? ` (this is \`maelstrom ${sub}\`)` : ""}: paste a \`maelstrom test …\` line` };
  }
  // `lein run -- test` passes its arguments through a "--".
  return { ok: true, args: rest.slice(testAt + 1) };
}

const WHOLE = /^\d+$/;
/** What Java's Double.parseDouble reads and a rate may be: 100, 2.5, .5, 1e3. */
const DECIMAL = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The suite test a `maelstrom test` command runs, or every problem with it.
 * `name` names the test (lowercase letters, digits, dashes); by default it
 * is made from the workload and node count.
 */
export function suiteTestFromMaelstrom(command: string, opts: { name?: string } = {}): MaelstromConversion {
  const problems: string[] = [];
  const notes: string[] = [];
  const located = testArguments(shellWords(command));
  if (!located.ok) return { ok: false, problems: [located.problem], notes };

  // Read the flags as Jepsen's parser does: `--flag value` or `--flag=value`, the last of a repeated flag winning.
  const given = new Map<string, string | true>();
  const retyped = new Set<string>();
  const positional: string[] = [];
  const args = located.args;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    // After a bare "--" every word is an argument of the binary, as tools.cli reads it.
    if (raw === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    const word = asciiDashes(raw);
    if (word !== raw) retyped.add(raw.split("=")[0]!);
    if (!word.startsWith("-") || word === "-") {
      positional.push(raw);
      continue;
    }
    const [spelled, inline] = word.startsWith("--") && word.includes("=") ? [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)] : [word, undefined];
    const name = SHORT_FLAGS[spelled] ?? spelled;
    const flag = FLAGS[name];
    if (!flag) {
      problems.push(`${spelled} is not a flag of \`maelstrom test\``);
      // Its value, if it has one, is not an argument of the binary.
      if (inline === undefined && args[i + 1] !== undefined && !args[i + 1]!.startsWith("-") && !TYPOGRAPHIC_DASH.test(args[i + 1]!)) i++;
      continue;
    }
    let value: string | true = true;
    if (flag.takes === "value") {
      const next = inline ?? args[i + 1];
      if (next === undefined || (inline === undefined && (next.startsWith("-") || TYPOGRAPHIC_DASH.test(next)) && !/^-?\d/.test(next))) {
        problems.push(`${name} needs a value`);
        continue;
      }
      if (inline === undefined) i++;
      value = next;
    }
    if (given.has(name)) notes.push(`${name} is given twice: the last, ${String(value)}, counts (as in Maelstrom)`);
    given.set(name, value);
  }
  if (retyped.size > 0) notes.push(`read ${[...retyped].map((w) => `"${w}"`).join(", ")} as ${[...retyped].map((w) => asciiDashes(w)).join(", ")} (a typographic dash, common in copied commands)`);
  if (positional.length > 0) {
    problems.push(`${positional.map((w) => `"${w}"`).join(" ")}: Maelstrom passes words after the flags to the node's binary as arguments; our nodes run the lab's command, without arguments`);
  }
  const text = (flag: string) => {
    const value = given.get(flag);
    return typeof value === "string" ? value : undefined;
  };
  const whole = (flag: string, fallback: number): number => {
    const value = text(flag);
    if (value === undefined) return fallback;
    if (!WHOLE.test(value)) problems.push(`${flag} expects a whole number (it is "${value}")`);
    return Number(value);
  };
  const decimal = (flag: string, fallback: number): number => {
    const value = text(flag);
    if (value === undefined) return fallback;
    if (!DECIMAL.test(value)) problems.push(`${flag} expects a number (it is "${value}")`);
    return Number(value);
  };

  for (const [flag, value] of given) {
    const spec = FLAGS[flag]!;
    if (spec.does === "ignore") notes.push(`${flag}${typeof value === "string" ? ` ${value}` : ""} is left out: ${spec.why}`);
    if (spec.does === "refuse") problems.push(`${flag}: ${spec.why}`);
  }

  // The workload.
  const maelstromWorkload = text("--workload") ?? MAELSTROM_DEFAULTS.workload;
  if (!given.has("--workload")) notes.push(`no -w: Maelstrom runs its default workload, ${MAELSTROM_DEFAULTS.workload}`);
  const workload = workloadNamed(maelstromWorkload) ? (maelstromWorkload as WorkloadName) : undefined;
  if (!workload) {
    problems.push(
      MAELSTROM_ONLY_WORKLOADS.includes(maelstromWorkload)
        ? `-w ${maelstromWorkload}: Maelstrom's ${maelstromWorkload} workload is not supported here yet`
        : `-w ${maelstromWorkload} is not a Maelstrom workload we run (we run ${Object.keys(WORKLOADS).join(", ")})`,
    );
  }
  const keys = new Set(testKeys(workload ?? "echo"));

  // Nodes: --node-count wins over Jepsen's node lists, as in Maelstrom.
  const nodeLists = ["--node", "--nodes", "--nodes-file"].filter((flag) => given.has(flag));
  if (nodeLists.length > 0) {
    if (given.has("--node-count")) notes.push(`${nodeLists.join(", ")} left out: --node-count overrides them, as in Maelstrom`);
    else problems.push(`${nodeLists.join(", ")}: name the nodes by their number with --node-count N instead (our nodes are always n0 … n(N-1))`);
  }
  const nodes = whole("--node-count", MAELSTROM_DEFAULTS.nodeCount);
  if (!given.has("--node-count") && nodeLists.length === 0) notes.push(`no --node-count: Maelstrom runs ${MAELSTROM_DEFAULTS.nodeCount} nodes`);

  const test: Record<string, unknown> = { name: opts.name ?? "", workload: workload ?? maelstromWorkload, nodes };

  // Clients: Jepsen's "3n" is three per node.
  const concurrencyText = text("--concurrency") ?? MAELSTROM_DEFAULTS.concurrency;
  const perNode = /^(\d+)(n?)$/.exec(concurrencyText);
  if (!perNode) problems.push(`--concurrency expects a whole number, optionally followed by n (per node), e.g. 2n (it is "${concurrencyText}")`);
  else test.concurrency = Number(perNode[1]) * (perNode[2] === "n" ? nodes : 1);
  test.rate = decimal("--rate", MAELSTROM_DEFAULTS.ratePerSecond);
  if (test.rate === 0) problems.push("--rate 0: Maelstrom then sends no requests at all; a test here needs a rate above 0");
  const durationSeconds = whole("--time-limit", MAELSTROM_DEFAULTS.timeLimitSeconds);
  test.durationSeconds = durationSeconds;
  if (workload && hasFinalPhase(workload)) test.recoverySeconds = MAELSTROM_DEFAULTS.recoverySeconds;

  const latencyMs = whole("--latency", 0);
  const distribution = text("--latency-dist");
  if (latencyMs > 0 || distribution !== undefined) test.latency = { ms: latencyMs, ...(distribution !== undefined ? { distribution } : {}) };

  // Settings only some workloads have: Maelstrom lets the others ignore them, so do we (with a note).
  const workloadSetting = (flag: string, key: string, value: unknown, ignoredBecause: string) => {
    if (!given.has(flag)) return;
    if (keys.has(key)) test[key] = value;
    else if (workload) notes.push(`${flag} ${String(given.get(flag))} is left out: ${ignoredBecause}`);
  };
  workloadSetting("--topology", "topology", text("--topology"), `only broadcast tests are told a topology, not ${maelstromWorkload} tests`);
  workloadSetting("--key-count", "keyCount", given.has("--key-count") ? whole("--key-count", 0) : undefined, `${maelstromWorkload} tests here have no key count (Maelstrom reads it only in its transaction and kafka workloads)`);
  for (const flag of ["--consistency-models", "--max-txn-length"]) {
    if (given.has(flag) && workload) notes.push(`${flag} is left out: only Maelstrom's transaction workloads read it, not ${maelstromWorkload}`);
  }
  workloadSetting(
    "--max-writes-per-key",
    "maxWritesPerKey",
    given.has("--max-writes-per-key") ? whole("--max-writes-per-key", 0) : undefined,
    `only Maelstrom's transaction and kafka workloads read it, not ${maelstromWorkload}`,
  );

  // Availability: a pass criterion; not every suite format we run has it yet.
  const availability = text("--availability");
  if (availability !== undefined) {
    const value = availability === "total" ? "total" : DECIMAL.test(availability) ? Number(availability) : undefined;
    if (value === undefined) problems.push(`--availability expects total or a fraction from 0 to 1 (it is "${availability}")`);
    else if (value === 0) notes.push("--availability 0 is left out: it accepts any run, as a test without availability does");
    else if (!keys.has("availability")) problems.push("--availability: suites here cannot require availability yet");
    else test.availability = value;
  }

  const repetitions = whole("--test-count", 1);
  if (repetitions !== 1) test.repetitions = repetitions;

  // Faults: Maelstrom's only nemesis is partition.
  const interval = decimal("--nemesis-interval", MAELSTROM_DEFAULTS.nemesisIntervalSeconds);
  const nemesis = (text("--nemesis") ?? "").split(/\s*,\s*/).filter((fault) => fault !== "");
  const unknownFaults = nemesis.filter((fault) => fault !== "partition");
  if (unknownFaults.length > 0) problems.push(`--nemesis ${unknownFaults.join(",")}: Maelstrom's only nemesis is partition`);
  if (given.has("--nemesis-interval") && nemesis.length === 0) notes.push("--nemesis-interval is left out: there is no --nemesis to time");
  if (nemesis.includes("partition") && interval > 0) {
    test.faults = partitionSchedule(durationSeconds, interval);
    notes.push(
      `--nemesis partition: a partition every ${interval} s, healed ${interval} s later, in turn isolating one node, cutting a majority from a minority, and a ring of majorities (Maelstrom picks among these at random, at random times averaging the interval)`,
    );
    if ((test.faults as unknown[]).length === 0) notes.push(`--time-limit ${durationSeconds} ends before the first partition (at ${interval} s), as in Maelstrom`);
  } else if (given.has("--nemesis-interval") && interval <= 0) {
    problems.push("--nemesis-interval must be above 0");
  }

  if (!workload || problems.length > 0) return { ok: false, problems, notes };

  test.name = opts.name ?? defaultName(workload, nodes, nemesis.includes("partition"));
  const suiteYaml = suiteDocument(test, command);
  const parsed = parseSuite(suiteYaml);
  if (!parsed.ok) {
    return {
      ok: false,
      problems: parsed.errors.map((e) => {
        const key = e.path.split(".")[2] ?? "";
        return KEY_FLAGS[key] ? `${KEY_FLAGS[key]}: ${e.message}` : e.message;
      }),
      notes,
    };
  }
  return { ok: true, test, suiteYaml, testYaml: testEntry(test), notes };
}

/** The partition modes Jepsen's partition nemesis picks among (one node, a majority, a ring of majorities), in turn. */
const MAELSTROM_PARTITIONS = [{ mode: "isolate", node: "random" }, { mode: "majority-minority" }, { mode: "majorities-ring" }] as const;

/** Partition at every odd multiple of the interval, heal at every even one, within the main phase (which heals the rest). */
function partitionSchedule(durationSeconds: number, intervalSeconds: number): Array<Record<string, unknown>> {
  const steps: Array<Record<string, unknown>> = [];
  for (let k = 1; k * intervalSeconds < durationSeconds; k++) {
    const at = Number((k * intervalSeconds).toFixed(3));
    if (k % 2 === 1) steps.push({ kind: "partition", at, ...MAELSTROM_PARTITIONS[((k - 1) / 2) % MAELSTROM_PARTITIONS.length]! });
    else steps.push({ kind: "heal", at });
  }
  return steps;
}

function defaultName(workload: string, nodes: number, partitioned: boolean): string {
  return `${workload}-${nodes}-node${nodes === 1 ? "" : "s"}${partitioned ? "-partitioned" : ""}`;
}

/** YAML as suites are written: one test per entry, each fault step and the latency on one line. */
function yamlOf(value: unknown): Document {
  const doc = new Document(value);
  const entries = isSeq(doc.contents) ? doc.contents.items : isMap(doc.contents) ? [doc.getIn(["tests", 0], true)] : [];
  for (const entry of entries) {
    if (!isMap(entry)) continue;
    const faults = entry.get("faults", true);
    if (isSeq(faults)) for (const step of faults.items) if (isMap(step)) step.flow = true;
    const latency = entry.get("latency", true);
    if (isMap(latency)) latency.flow = true;
  }
  return doc;
}

function suiteDocument(test: Record<string, unknown>, command: string): string {
  const doc = yamlOf({ version: 1, tests: [test] });
  doc.commentBefore = ` From: ${command.replace(/\\\r?\n/g, " ").replace(/\s+/g, " ").trim()}`;
  return doc.toString({ lineWidth: 0 });
}

function testEntry(test: Record<string, unknown>): string {
  return yamlOf([test])
    .toString({ lineWidth: 0 })
    .split("\n")
    .map((line) => (line === "" ? line : `  ${line}`))
    .join("\n");
}
