// The challenge labs' default suites are Fly.io's Gossip Glomers runs exactly
// as MAELSTROM.md lists them (node counts, rates, durations, concurrency,
// partitions, latency, availability, targets), read through the suite parser
// as the seed reads them; Maelstrom's defaults fill what Fly.io's commands
// leave out. Running them takes minutes a lab, so only 3d runs for real
// (tests/integration/flyio-broadcast.test.ts); the references run the labs'
// short suites, which must check the same workload.
import { describe, expect, it } from "vitest";
import { BUILTIN_LABS } from "../../lib/labs/builtin.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { isRaftTest, workloadOptionsOf, type WorkloadTestSpec } from "../../lib/suites/schema.js";

function testsOf(source: string): WorkloadTestSpec[] {
  const parsed = parseSuite(source);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec.tests.map((test) => {
    if (isRaftTest(test)) throw new Error(`${test.name} is a Raft test`);
    return test;
  });
}

const lab = (slug: string) => BUILTIN_LABS.find((l) => l.slug === slug)!;

/** What a Fly.io run fixes: everything else is Maelstrom's default (no latency, no partition, no criteria). */
interface FlyRun {
  workload: string;
  nodes: number;
  durationSeconds: number;
  rate: number;
  concurrency: number;
  partitions?: boolean;
  latencyMs?: number;
  availability?: "total";
  targets?: Record<string, { below: number }>;
}

const stable = (msgsPerOp: number, medianMs: number, maxMs: number) => ({
  msgsPerOp: { below: msgsPerOp },
  stableLatencyMedianMs: { below: medianMs },
  stableLatencyMaxMs: { below: maxMs },
});

// MAELSTROM.md, "Fly.io's Gossip Glomers challenges": concurrency 1n (Maelstrom's default) unless the run says 2n.
const FLYIO_RUNS: Array<[slug: string, test: string, run: FlyRun]> = [
  ["echo", "challenge-1-echo", { workload: "echo", nodes: 1, durationSeconds: 10, rate: 5, concurrency: 1 }],
  ["unique-ids", "challenge-2-unique-ids", { workload: "unique-ids", nodes: 3, durationSeconds: 30, rate: 1000, concurrency: 3, partitions: true, availability: "total" }],
  ["broadcast", "challenge-3a-single-node", { workload: "broadcast", nodes: 1, durationSeconds: 20, rate: 10, concurrency: 1 }],
  ["broadcast", "challenge-3b-multi-node", { workload: "broadcast", nodes: 5, durationSeconds: 20, rate: 10, concurrency: 5 }],
  ["broadcast", "challenge-3c-fault-tolerant", { workload: "broadcast", nodes: 5, durationSeconds: 20, rate: 10, concurrency: 5, partitions: true }],
  ["broadcast", "challenge-3d-efficient", { workload: "broadcast", nodes: 25, durationSeconds: 20, rate: 100, concurrency: 25, latencyMs: 100, targets: stable(30, 400, 600) }],
  ["broadcast", "challenge-3e-efficient", { workload: "broadcast", nodes: 25, durationSeconds: 20, rate: 100, concurrency: 25, latencyMs: 100, targets: stable(20, 1000, 2000) }],
  ["g-counter", "challenge-4-grow-only-counter", { workload: "g-counter", nodes: 3, durationSeconds: 20, rate: 100, concurrency: 3, partitions: true }],
  ["kafka", "challenge-5a-single-node", { workload: "kafka", nodes: 1, durationSeconds: 20, rate: 1000, concurrency: 2 }],
  ["kafka", "challenge-5b-multi-node", { workload: "kafka", nodes: 2, durationSeconds: 20, rate: 1000, concurrency: 4 }],
  ["kafka", "challenge-5c-efficient", { workload: "kafka", nodes: 2, durationSeconds: 20, rate: 1000, concurrency: 4 }],
];

describe("the challenge labs' default suites are Fly.io's runs", () => {
  it("every challenge lab's suite has exactly its challenges' tests, in order", () => {
    const slugs = [...new Set(FLYIO_RUNS.map(([slug]) => slug))];
    for (const slug of slugs) {
      expect(testsOf(lab(slug).suiteSource).map((t) => t.name), slug).toEqual(FLYIO_RUNS.filter(([s]) => s === slug).map(([, name]) => name));
    }
  });

  it.each(FLYIO_RUNS)("%s: %s", (slug, name, run) => {
    const test = testsOf(lab(slug).suiteSource).find((t) => t.name === name)!;
    expect(test).toMatchObject({ workload: run.workload, nodes: run.nodes, durationSeconds: run.durationSeconds, rate: run.rate, concurrency: run.concurrency });
    // Maelstrom's defaults where Fly.io's command is silent: a 5 s client timeout, and its 10 s recovery where there are final reads.
    expect(test.requestTimeoutSeconds).toBe(5);
    expect(test.recoverySeconds).toBe(["echo", "unique-ids"].includes(run.workload) ? 0 : 10);
    if (test.workload === "broadcast") expect(workloadOptionsOf(test)).toMatchObject({ topology: "grid" });
    // --nemesis partition: partitions from 10 s on (its nemesis acts every 10 s on average); none otherwise.
    if (run.partitions) {
      expect(test.faults[0]).toMatchObject({ kind: "partition", at: 10 });
      expect(test.faults.every((f) => f.kind === "partition" || f.kind === "heal")).toBe(true);
    } else {
      expect(test.faults).toEqual([]);
    }
    expect(test.latency).toEqual(run.latencyMs === undefined ? undefined : { ms: run.latencyMs, distribution: "constant" });
    expect(test.availability).toBe(run.availability);
    expect(test.targets).toEqual(run.targets);
  });

  it.each(BUILTIN_LABS.filter((l) => l.shortSuiteSource).map((l) => [l.slug, l] as const))("%s: the short suite the references run checks the same workload, in seconds", (_slug, builtin) => {
    const short = testsOf(builtin.shortSuiteSource!);
    expect(short.length).toBeGreaterThan(0);
    for (const test of short) {
      expect(test.workload).toBe(builtin.workload);
      expect(test.durationSeconds + test.recoverySeconds).toBeLessThanOrEqual(15);
    }
  });
});
