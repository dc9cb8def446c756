// Owns the "integrity of grading" attacks of issue 15 on the real Docker
// engine: hostile nodes (tests/fixtures/hostile/integrity/node.py <mode>)
// that forge the agent's counters, talk to peers over sockets of their own,
// relay across a partition through a service or under a peer's name, bloat
// what we record, flood the agent's own log, break the controller's
// connection, leave zombies, write a line without end, or look up names
// outside the cluster. Each case asserts what is recorded is what happened.
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../lib/history.js";
import { testSpecSchema } from "../../lib/suites/schema.js";
import { judge } from "../../runner/judge.js";
import { MAX_LINE_BYTES } from "../../sandbox/programs/agent/wire.js";
import type { ClusterTestRequest, ClusterTestResult } from "../../sandbox/cluster.js";
import { demultiplex } from "../../sandbox/container-io.js";
import { MAX_ERROR_TEXT_CHARS } from "../../sandbox/programs/controller/spec.js";
import { serverMessagesOf } from "../../sandbox/traffic.js";
import { buildFixture, execIn, logOf, runFixtureCluster, testOwner } from "../support/sandbox.js";

const docker = new Docker();
const PYTHON = "labgrade/python:latest";
let build: Awaited<ReturnType<typeof buildFixture>>;

beforeAll(async () => {
  build = await buildFixture(docker, "hostile/integrity", PYTHON, "python3 -m py_compile node.py");
  expect(build.ok).toBe(true);
});

afterAll(async () => {
  await build?.remove();
});

function runMode(mode: string, overrides: Partial<ClusterTestRequest> = {}): Promise<ClusterTestResult> {
  return runFixtureCluster(docker, build.volume, {
    runImage: PYTHON,
    runCommand: `python3 /work/src/node.py ${mode}`,
    nodeCount: 3,
    controller: { workload: "echo", concurrency: 1, ratePerSecond: 10, durationMs: 4000, seed: "42", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
    owner: testOwner(`integrity-${mode}`),
    ...overrides,
  });
}

const verdictOf = (name: string, result: ClusterTestResult) => judge(testSpecSchema.parse({ name, workload: "echo" }), result);
const eventsOf = (result: ClusterTestResult): HistoryEvent[] => result.lines.flatMap((l) => ("event" in l ? [l.event] : []));

/** Every number in a nested value. */
function numbersIn(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === "object") return Object.values(value).flatMap(numbersIn);
  return [];
}

describe("what nodes report about themselves", () => {
  it("forged counter reports on stdout are only ever a node's envelopes: the stored figures are the firewall's", async () => {
    const result = await runMode("forge-stats");
    const judged = verdictOf("forge-stats", result);
    expect(judged.verdict).toBe("PASS");
    // The counted messages are what the nodes' firewalls saw, every one of them a real packet.
    expect(judged.metrics.serverMessages).toBe(serverMessagesOf(result.traffic));
    expect(Object.keys(result.traffic).sort()).toEqual(["n0", "n1", "n2"]);
    // Nothing stored is negative, nor the forged figure anywhere.
    const figures = numbersIn(judged.metrics);
    expect(figures.filter((n) => n < 0)).toEqual([]);
    expect(figures).not.toContain(-3000000);
    for (const node of judged.metrics.perNode as Array<{ sentByType: Record<string, number> }>) expect(node.sentByType).not.toHaveProperty("forged");
    // The agents' own reports arrived (the forged lines did not crowd them out) and were believed only once checked.
    expect(result.lines.filter((l) => "stats" in l)).toHaveLength(3);
  });

  it("a node talking to its peers over its own UDP socket is counted all the same", async () => {
    const result = await runMode("udp-flood", { nodeCount: 3 });
    const sent = Number(/FLOOD sent=(\d+)/.exec(logOf(result, "n0"))?.[1]);
    expect(sent, "the flood ran").toBeGreaterThan(1000);
    const n0 = result.traffic.n0!;
    // Every datagram the kernel took from n0 for a peer went through the counting rule.
    expect(n0.toNodes.n1!.packets + n0.toNodes.n2!.packets).toBeGreaterThanOrEqual(sent);
    const judged = verdictOf("udp-flood", result);
    expect(judged.metrics.serverMessages).toBeGreaterThanOrEqual(sent);
    // The agents never took the junk for envelopes.
    expect(logOf(result, "n1")).toMatch(/refused a datagram from \S+ that is not an envelope/);
  });
});

describe("partitions and names", () => {
  it("a cut-off node can relay through neither a service nor a peer's name", async () => {
    const result = await runMode("relay", {
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 5000, seed: "43", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      faults: [
        { kind: "partition", at: 1, mode: "isolate", node: "n0" },
        { kind: "heal", at: 4 },
      ],
    });
    const partition = result.faults.find((f) => f.kind === "partition")!;
    expect(partition.detail).toContain("n0 ✕ n1,n2");
    const n1 = logOf(result, "n1");
    // n1 never asked lin-kv anything: a reply from it would be n0's request crossing the cut.
    expect(n1).not.toMatch(/GOT type=\S+ src=lin-kv/);
    // Nor did n2's name carry n0's envelopes to n1.
    expect(n1).not.toMatch(/GOT type=spoof/);
    // Both were refused where they arrived, and said so.
    expect(n1).toMatch(/refused a datagram from 198\.1[89]\.\d+\.10 claiming src "n2"/);
    expect(result.traffic.n0!.toServices.packets).toBeGreaterThan(20);
    expect(verdictOf("relay", result).verdict).toBe("PASS");
  });

  it("no DNS query leaves the lab network: unknown names and a node that is down are answered inside it", async (ctx) => {
    const capture = await startCapture();
    let result: ClusterTestResult;
    try {
      result = await runMode("dns", {
        controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 5000, seed: "44", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
        faults: [{ kind: "kill", at: 1, node: "n2" }],
      });
    } finally {
      await capture.stop();
    }
    const subnet = result.addresses.subnet.replace(/\.0\/24$/, ".");
    const log = logOf(result, "n0");
    expect(log).toContain("LOOKUPS done");
    const lookups = Object.fromEntries([...log.matchAll(/LOOKUP (\S+) result=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    // The cluster's names resolve (also the node that was down), from the fixed table.
    expect(lookups.n2).toBe(`resolved=${result.addresses.nodes.n2}`);
    expect(lookups["lin-kv"]).toBe(`resolved=${result.addresses.services}`);
    // Every other name fails, at once (NXDOMAIN from the cluster's resolver, not a timeout).
    for (const name of ["nosuch-name.invalid", "example.com", "deb.debian.org", "n9"]) expect(lookups[name], name).toMatch(/^failed=/);
    for (const m of log.matchAll(/LOOKUP (\S+) result=failed\S* ms=(\d+)/g)) expect(Number(m[2]), `${m[1]} took too long: a timeout, not an answer`).toBeLessThan(1500);
    expect(lookups["direct:example.org"]).toBe("rcode=3");
    // The capture saw the engine forward the unknown names, and only to our resolver.
    const packets = capture.packets();
    await ctx.annotate(`${packets.length} DNS packets captured on the host: ${packets.slice(0, 8).join("; ")}`);
    expect(packets.some((p) => p.dst === result.addresses.services), "no query reached the cluster's resolver: did the capture see the lab network?").toBe(true);
    const outside = packets.filter((p) => !p.src.startsWith(subnet) || !p.dst.startsWith(subnet));
    expect(outside, `DNS packets with an end outside the lab network ${result.addresses.subnet}`).toEqual([]);
    const upstream = (await readFile("/etc/resolv.conf", "utf8")).match(/^nameserver\s+(\S+)/m)?.[1];
    if (upstream) expect(packets.filter((p) => p.dst === upstream)).toEqual([]);
  });
});

describe("what we record", () => {
  it("error texts are cut before they are recorded, and the record is whole", async () => {
    const result = await runMode("big-errors", {
      nodeCount: 2,
      controller: { workload: "echo", concurrency: 2, ratePerSecond: 40, durationMs: 4000, seed: "45", requestTimeoutMs: 3000, readyTimeoutMs: 20_000 },
    });
    expect(result.recordProblem).toBeNull();
    const events = eventsOf(result);
    const failed = events.filter((e) => e.type === "info" && e.error?.code === 13);
    expect(failed.length).toBeGreaterThan(40);
    for (const e of failed) expect(e.error!.text.length).toBeLessThanOrEqual(MAX_ERROR_TEXT_CHARS + 40);
    expect(failed[0]!.error!.text).toMatch(/^E+… \(524288 characters, cut\)$/);
    expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i));
    const judged = verdictOf("big-errors", result);
    expect(judged.verdict).toBe("FAIL");
  });

  it("a node that writes a line without end is stopped at the line limit: LIMIT_EXCEEDED, not a crash", async () => {
    // n0 dies before it can accept clients: a short wait for readiness keeps the test short.
    const result = await runMode("long-line", {
      nodeCount: 2,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 2000, seed: "47", requestTimeoutMs: 1000, readyTimeoutMs: 5000 },
    });
    const judged = verdictOf("long-line", result);
    expect(judged.verdict).toBe("LIMIT_EXCEEDED");
    expect(judged.reason).toContain(`n0 wrote a line of output over ${MAX_LINE_BYTES} bytes without a newline`);
    expect(result.nodes.find((n) => n.id === "n0")!.oomKilled).toBe(false);
  });
});

describe("agent robustness", () => {
  it("the agent's own complaints are bounded: thousands of unknown destinations, a dozen lines", async () => {
    const result = await runMode("unknown-dest", { nodeCount: 2 });
    const log = logOf(result, "n0");
    expect(log).toContain("UNKNOWN done");
    expect(log.match(/unknown destination "/g)?.length).toBe(10);
    expect(log).toContain("more messages to unknown destinations follow; counting them without logging");
    const stats = result.lines.flatMap((l) => ("stats" in l && l.stats.node === "n0" ? [l.stats] : []));
    expect(stats[0]?.unknownDestinations).toBe(5000);
    expect(result.nodes.find((n) => n.id === "n0")!.logTruncated).toBe(false);
    expect(verdictOf("unknown-dest", result).verdict).toBe("PASS");
  });

  it("a log the engine rotated (many tiny lines fill its size limit early) is reported as cut", async () => {
    const result = await runMode("tiny-lines", { nodeCount: 2 });
    const n0 = result.nodes.find((n) => n.id === "n0")!;
    // Docker kept only the end of it: less text than we would ever cut, yet not whole.
    expect(Buffer.byteLength(n0.log)).toBeLessThan(256 * 1024);
    expect(n0.log).not.toContain("agent started");
    expect(n0.logTruncated).toBe(true);
    // The other node's log is whole and says so.
    expect(result.nodes.find((n) => n.id === "n1")!.logTruncated).toBe(false);
  });

  it("a connection the controller drops with replies unread does not stop the agents", async () => {
    const result = await runMode("client-noise", { nodeCount: 2 });
    // Read after the controller closed its connections (with the noise unread): every node still runs.
    for (const node of result.nodes) expect(node.running, `${node.id} stopped: ${node.log.slice(-500)}`).toBe(true);
    expect(verdictOf("client-noise", result).verdict).toBe("PASS");
  });

  it("orphaned processes are reaped: no zombies pile up in a node", async () => {
    let zombies: Promise<string> | undefined;
    const result = await runMode("zombies", {
      nodeCount: 1,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 6000, seed: "46", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      onNodesReady: (nodes) => {
        zombies = (async () => {
          const id = nodes[0]!.containerId;
          const deadline = Date.now() + 20_000;
          while (Date.now() < deadline) {
            const logs = demultiplex((await docker.getContainer(id).logs({ stdout: true, stderr: true })) as unknown as Buffer);
            if ((logs.stdout + logs.stderr).includes("ZOMBIES made=60")) {
              // The last grandchildren exited a moment ago: give PID 1 that moment.
              await new Promise((resolve) => setTimeout(resolve, 500));
              return (await execIn(docker, id, ["/bin/sh", "-c", "ps -eo stat=,comm= | awk '$1 ~ /^Z/' | wc -l"])).trim();
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
          throw new Error("the node never finished making its zombies");
        })();
      },
    });
    expect(logOf(result, "n0")).toContain("ZOMBIES made=60");
    expect(Number(await zombies!)).toBe(0);
    expect(verdictOf("zombies", result).verdict).toBe("PASS");
  });
});

/** tcpdump on every host interface for DNS (port 53), until stopped. */
async function startCapture(): Promise<{ stop(): Promise<void>; packets(): Array<{ src: string; dst: string; line: string }> }> {
  const child: ChildProcess = spawn("tcpdump", ["-i", "any", "-nn", "-l", "-U", "port 53"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  const spawned = await new Promise<boolean>((resolve) => {
    child.once("error", () => resolve(false));
    // tcpdump says "listening on any" once the capture runs.
    const check = setInterval(() => {
      if (err.includes("listening on")) {
        clearInterval(check);
        resolve(true);
      }
    }, 50);
    setTimeout(() => {
      clearInterval(check);
      resolve(err.includes("listening on"));
    }, 10_000);
  });
  if (!spawned) throw new Error(`tcpdump did not start (infra/test installs it): ${err.trim() || "not found"}`);
  return {
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      await gone;
    },
    packets() {
      return [...out.matchAll(/IP (\d+\.\d+\.\d+\.\d+)\.\d+ > (\d+\.\d+\.\d+\.\d+)\.\d+:.*$/gm)].map((m) => ({ src: m[1]!, dst: m[2]!, line: m[0] }));
    },
  };
}
