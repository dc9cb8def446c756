// A suite's tests in words, for the lab page: what each test runs, its faults,
// its points and when its results are shown, so a student knows before they
// submit what they will be graded on. Details of a test whose results are not
// shown at once are for staff only (students see its name, points and when).
import { raftTestNamed } from "../labs/mit-6.5840/raft-tests.js";
import { isRaftTest, type FaultStep, type SuiteSpec, type TestSpec } from "./schema.js";

export interface TestSummary {
  name: string;
  points: number;
  repetitions: number;
  visibility: TestSpec["visibility"];
  /** When students see its results, in words. */
  shown: string;
  /** What runs, in words; null when withheld from this viewer. */
  runs: string | null;
  /** Each fault step in words (the test-level latency first); null when withheld. */
  faults: string[] | null;
}

const SHOWN: Record<TestSpec["visibility"], string> = {
  always: "results shown as soon as it has run",
  after_due: "results shown after the due date",
  hidden: "results shown when the staff release them",
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const seconds = (s: number) => `${Number.isInteger(s) ? s : s.toFixed(1)} s`;

/** One fault step in words, e.g. "partition (halves) at 5 s", "kill n1 at 3 s". */
export function faultInWords(step: FaultStep): string {
  const when = `at ${seconds(step.at)}`;
  const whose = (s: { node?: string; from?: string; to?: string }) => (s.from ? ` from ${s.from} to ${s.to}` : s.node ? ` of ${s.node}` : "");
  switch (step.kind) {
    case "partition":
      return `partition (${step.mode}${step.node ? ` around ${step.node}` : ""}) ${when}`;
    case "heal":
      return `heal everything ${when}`;
    case "loss":
      return `${Math.round(step.probability * 1000) / 10} % packet loss ${when}`;
    case "bandwidth":
      return `bandwidth capped at ${step.kbitPerSecond} kbit/s ${when}`;
    case "kill":
    case "pause":
      return `${step.kind} ${step.node} ${when}`;
    case "restart":
    case "resume":
      return `${step.kind} ${step.node === "all" ? "every node" : step.node} ${when}`;
    case "delay":
      return `${step.ms ?? 100} ms more delay on the packets${whose(step)} ${when}`;
    case "jitter":
      return `± ${step.ms ?? 100} ms jitter on the packets${whose(step)} ${when}`;
    case "reorder":
      return `${step.percent ?? 10} % of the packets${whose(step)} reordered ${when}`;
    case "duplicate":
      return `${step.percent ?? 10} % of the packets${whose(step)} duplicated ${when}`;
  }
}

function runsInWords(test: TestSpec): { runs: string; faults: string[] } {
  if (isRaftTest(test)) {
    const info = raftTestNamed(test.raft);
    const faults = info ? [info.unreliable && "an unreliable network (loss and delay)", info.longReordering && "long reordering of replies", info.crashes && "crashes and restarts from disk"].filter((f): f is string => Boolean(f)) : [];
    return { runs: `the course's ${test.raft} on ${plural(info?.servers ?? 0, "peer")}, with its own checks, budget and disconnections`, faults };
  }
  const recovery = test.recoverySeconds > 0 ? `, then ${seconds(test.recoverySeconds)} to recover` : "";
  const runs = `${test.workload} on ${plural(test.nodes, "node")}: ${plural(test.concurrency, "client")} at ${test.rate} operations/s for ${seconds(test.durationSeconds)}${recovery}`;
  const latency = test.latency ? [`${test.latency.ms} ms ${test.latency.distribution} latency on every message between nodes`] : [];
  return { runs, faults: [...latency, ...test.faults.map(faultInWords)] };
}

/** The suite's tests as a viewer sees them (`staff`: every detail). */
export function summariseSuite(spec: SuiteSpec, staff: boolean): TestSummary[] {
  return spec.tests.map((test) => {
    const detailed = staff || test.visibility === "always";
    const words = detailed ? runsInWords(test) : null;
    return {
      name: test.name,
      points: test.points,
      repetitions: test.repetitions,
      visibility: test.visibility,
      shown: SHOWN[test.visibility],
      runs: words?.runs ?? null,
      faults: words?.faults ?? null,
    };
  });
}
