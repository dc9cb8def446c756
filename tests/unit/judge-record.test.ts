// The runner's judgement of a test cluster's record, with hand-made records:
// a cut record is never judged, limits come before the checker, and what the
// agents say about themselves is stored only once it is believable.
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../lib/history.js";
import { testSpecSchema } from "../../lib/suites/schema.js";
import { judge } from "../../runner/judge.js";
import type { ClusterTestResult } from "../../sandbox/cluster.js";
import { checkRecord, RECORD_FORMAT, type ControllerLine } from "../../sandbox/programs/controller/spec.js";

const test = testSpecSchema.parse({ name: "t", workload: "echo" });
const echo = (index: number, process: number, type: "invoke" | "ok", text: string): HistoryEvent => ({
  index,
  type,
  process,
  f: "echo",
  value: type === "invoke" ? text : text,
  timeUs: index * 1000,
  node: "n0",
});
const counted = { toNodes: { n1: { packets: 4, bytes: 400 } }, toServices: { packets: 1, bytes: 80 }, fromServices: { packets: 1, bytes: 80 } };

function record(body: ControllerLine[], end = true): ControllerLine[] {
  const lines: ControllerLine[] = [{ header: { format: RECORD_FORMAT, seed: "1", workload: "echo" } }, ...body];
  return end ? [...lines, { end: { lines: lines.length } }] : lines;
}

function cluster(lines: ControllerLine[], extra: Partial<ClusterTestResult> = {}): ClusterTestResult {
  return {
    lines,
    recordProblem: checkRecord(lines),
    controllerLog: "",
    controllerExitCode: 0,
    timedOut: false,
    nodes: ["n0", "n1"].map((id) => ({ id, log: "", logTruncated: false, running: true, exitCode: null, oomKilled: false })),
    network: { name: "lg-x" },
    addresses: { subnet: "198.18.1.0/24", gateway: "198.18.1.1", services: "198.18.1.2", controller: "198.18.1.3", nodes: { n0: "198.18.1.10", n1: "198.18.1.11" } },
    traffic: { n0: counted, n1: counted },
    faults: [],
    shaping: { kind: "none", latency: null, scheduler: {} },
    mainPhaseStartWallMs: 0,
    setupMs: 10,
    teardownMs: 10,
    ...extra,
  };
}

const whole = [echo(0, 0, "invoke", "a"), echo(1, 0, "ok", "a"), echo(2, 0, "invoke", "b"), echo(3, 0, "ok", "b")].map((event) => ({ event }));

describe("judging a record", () => {
  it("a whole record is judged by the checker, with the firewall's message count", () => {
    const judged = judge(test, cluster(record([...whole, { done: { operations: 2, elapsedMs: 4 } }])));
    expect(judged.verdict).toBe("PASS");
    expect(judged.metrics.serverMessages).toBe(12);
    expect(judged.metrics.msgsPerOp).toBe(6);
  });

  it("a record without its end line, or with a gap in the history, is ours to retry, never judged", () => {
    const cut = record(whole, false);
    expect(checkRecord(cut)).toMatch(/no end line/);
    expect(() => judge(test, cluster(cut))).toThrow(/the test's record is not whole/);
    const gap = record([whole[0]!, whole[1]!, whole[3]!]);
    expect(checkRecord(gap)).toBe("history event 2 is missing (found index 3 in its place)");
    const headless = whole.slice(0, 2);
    expect(checkRecord([...headless, { end: { lines: 2 } }])).toMatch(/header/);
  });

  it("a limit a node broke is the verdict, whatever the checker would say", () => {
    const judged = judge(test, cluster(record([...whole, { violation: { node: "n1", limit: "reply_size", detail: "n1 sent a reply larger than 1 MiB" } }])));
    expect(judged.verdict).toBe("LIMIT_EXCEEDED");
    expect(judged.reason).toBe("n1 sent a reply larger than 1 MiB");
  });

  it("an agent's counters are stored only when believable; the firewall's stand either way", () => {
    const honest = { node: "n0", serverMessagesSent: 3, serverMessagesReceived: 2, clientMessagesIn: 2, clientMessagesOut: 2, oversizeDropped: 0, malformedStdoutLines: 0, unknownDestinations: 0, refusedDatagrams: 0, sentByType: { gossip: 3 } };
    const forged = { ...honest, node: "n1", serverMessagesSent: -3_000_000, sentByType: { forged: -3_000_000 } };
    const judged = judge(test, cluster(record([...whole, { stats: honest }, { stats: forged as never }])));
    const perNode = judged.metrics.perNode as Array<Record<string, unknown>>;
    expect(perNode.find((n) => n.node === "n0")).toMatchObject({ toNodes: 4, clientMessagesIn: 2, sentByType: { gossip: 3 } });
    expect(perNode.find((n) => n.node === "n1")).toMatchObject({ toNodes: 4, clientMessagesIn: null, sentByType: {} });
    expect(judged.metrics.serverMessages).toBe(12);
  });

  it("no message figure at all when a node's counters could not be read (a partial count would flatter)", () => {
    const judged = judge(test, cluster(record(whole), { traffic: { n0: counted } }));
    expect(judged.metrics.serverMessages).toBeNull();
    expect(judged.metrics.msgsPerOp).toBeNull();
    expect((judged.metrics.perNode as Array<Record<string, unknown>>).find((n) => n.node === "n1")).toMatchObject({ toNodes: null });
  });

  it("native mode counts packets, not messages", () => {
    const judged = judge(test, cluster(record(whole)), "native");
    expect(judged.metrics.serverPackets).toBe(12);
    expect(judged.metrics.serverMessages).toBeNull();
  });
});

describe("judging a test's availability and targets", () => {
  const done = { done: { operations: 2, elapsedMs: 4 } };
  const withCriteria = (extra: Record<string, unknown>) => testSpecSchema.parse({ name: "t", workload: "echo", ...extra });

  it("a run that meets them passes, and records each with its figure", () => {
    const judged = judge(withCriteria({ availability: "total", targets: { msgsPerOp: { below: 7 } } }), cluster(record([...whole, done])));
    expect(judged.verdict).toBe("PASS");
    expect(judged.metrics.criteria).toEqual([
      { criterion: "availability", asked: "availability total (every request succeeds)", figure: 1, shown: "100 % of requests succeeded", met: true },
      { criterion: "msgsPerOp", asked: "msgs-per-op below 7", figure: 6, shown: "6", met: true },
    ]);
  });

  it("a run its checker passed fails a target it missed, naming the figure", () => {
    const judged = judge(withCriteria({ targets: { msgsPerOp: { below: 5 } } }), cluster(record([...whole, done])));
    expect(judged.verdict).toBe("FAIL");
    expect(judged.reason).toBe("the checker passed, but msgs-per-op below 5 was not met: 6");
  });

  it("availability total fails a run with one request unanswered (Maelstrom's --availability total)", () => {
    const unanswered = [...whole, { event: echo(4, 1, "invoke", "c") }, { event: { ...echo(5, 1, "ok", "c"), type: "info" as const } }];
    const judged = judge(withCriteria({ availability: "total" }), cluster(record([...unanswered, { done: { operations: 3, elapsedMs: 6 } }])));
    expect(judged.verdict).toBe("FAIL");
    expect(judged.reason).toMatch(/availability total \(every request succeeds\) was not met: 66.7 % of requests succeeded/);
  });

  it("a target on a figure that could not be measured decides nothing: UNKNOWN, never a pass", () => {
    const judged = judge(withCriteria({ targets: { msgsPerOp: { below: 5 } } }), cluster(record([...whole, done]), { traffic: { n0: counted } }));
    expect(judged.verdict).toBe("UNKNOWN");
    expect(judged.reason).toMatch(/msgs-per-op below 5 was not met: not measured/);
  });

  it("a test without criteria records none", () => {
    expect(judge(test, cluster(record([...whole, done]))).metrics).not.toHaveProperty("criteria");
  });
});
