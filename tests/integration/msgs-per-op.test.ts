// msgs-per-op as Maelstrom counts it, on a real cluster: every message that
// involves no client, in both directions: node to node, node to service and
// service to node. The expected count comes from the nodes' own logs (each
// logs every server message it sends and every service reply it gets), which
// the firewall counters that the figure is made from never read; and from
// the message journal our agents keep.
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testSpecSchema } from "../../lib/suites/schema.js";
import { judge, type NodeMessageFigures } from "../../runner/judge.js";
import { buildFixture, logOf, runFixtureCluster, testOwner } from "../support/sandbox.js";

const docker = new Docker();
const PYTHON = "labgrade/python:latest";
let build: Awaited<ReturnType<typeof buildFixture>>;

beforeAll(async () => {
  build = await buildFixture(docker, "kv-counted", PYTHON, "true");
}, 120_000);

afterAll(async () => {
  await build?.remove();
});

const count = (log: string, pattern: RegExp) => (log.match(pattern) ?? []).length;

describe("msgs-per-op", () => {
  it("counts node-to-node messages and service requests and replies, each once", async () => {
    const result = await runFixtureCluster(docker, build.volume, {
      runImage: PYTHON,
      runCommand: "python3 /work/src/node.py",
      nodeCount: 3,
      controller: { workload: "echo", concurrency: 2, ratePerSecond: 20, durationMs: 4000, seed: "4", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      owner: testOwner("msgs-per-op"),
    });
    const judged = judge(testSpecSchema.parse({ name: "msgs-per-op", workload: "echo" }), result);
    expect(judged.verdict, judged.reason).toBe("PASS");

    const logs = ["n0", "n1", "n2"].map((id) => logOf(result, id));
    const toServices = logs.reduce((sum, log) => sum + count(log, /^SENT dest=lin-kv /gm), 0);
    const fromServices = logs.reduce((sum, log) => sum + count(log, /^GOT src=lin-kv /gm), 0);
    const toNodes = logs.reduce((sum, log) => sum + count(log, /^SENT dest=n\d+ /gm), 0);
    const operations = judged.metrics.operations;
    console.log(`msgs-per-op: ${operations} operations; nodes logged ${toNodes} to peers, ${toServices} to lin-kv, ${fromServices} from it; counted ${judged.metrics.serverMessages}`);
    // Every echo wrote once and noted a peer once, and every write and note was answered.
    expect(operations).toBeGreaterThan(40);
    expect(toServices).toBe(operations);
    expect(fromServices).toBe(toServices);
    expect(toNodes).toBe(2 * operations);
    // The firewall's count, per direction and in total, is what the nodes did.
    const perNode = judged.metrics.perNode as NodeMessageFigures[];
    expect(perNode.reduce((sum, n) => sum + n.toServices!, 0)).toBe(toServices);
    expect(perNode.reduce((sum, n) => sum + n.fromServices!, 0)).toBe(fromServices);
    expect(perNode.reduce((sum, n) => sum + n.toNodes!, 0)).toBe(toNodes);
    expect(judged.metrics.serverMessages).toBe(toNodes + toServices + fromServices);
    expect(judged.metrics.msgsPerOp).toBe(4);
    // And the message journal (what the agents carried, sandbox/programs/agent/journal.ts) counts the same:
    // node-to-node sends, and node-to-service requests and their replies.
    const journal = result.journal!.entries;
    const services = /^(lin-kv|seq-kv|lww-kv|lin-tso)$/;
    const journaled =
      journal.filter((e) => e.dir === "send" && /^n\d+$/.test(e.dest)).length +
      journal.filter((e) => e.dir === "send" && services.test(e.dest)).length +
      journal.filter((e) => e.dir === "recv" && services.test(e.src)).length;
    expect(journaled).toBe(judged.metrics.serverMessages);
  });
});
