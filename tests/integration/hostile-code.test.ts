// Owns the "bad input and hostile code" cases of issue 3 on the real Docker
// engine: student programs (tests/fixtures/hostile/<case>/node.py) that
// fork-bomb, allocate without bound, fill their disks, flood their output,
// spin every CPU, never exit, try to reach a host outside the lab network (one
// of our own: tests/support/egress-host.ts; no test aims at anyone else's
// address) or the host, try to change their own firewall or reach a peer's
// client port, and builds that reach for the network or never end. Each case asserts a clear verdict or outcome, that the host (PostgreSQL,
// Redis, Docker, process table) keeps answering, and that nothing the case
// created is left in the engine. Malformed archives are covered by
// tests/unit/archive.test.ts.
import { execFile } from "node:child_process";
import dgram from "node:dgram";
import { readdir, stat } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { Client } from "pg";
import { describe, expect, it } from "vitest";
import { normaliseArchive, packDirectory } from "../../lib/archive.js";
import { testSpecSchema } from "../../lib/suites/schema.js";
import { judge } from "../../runner/judge.js";
import { buildSubmission, removeVolume, type BuildResult } from "../../sandbox/build.js";
import type { ClusterTestRequest, ClusterTestResult } from "../../sandbox/cluster.js";
import { readOutput } from "../../sandbox/container-io.js";
import { SANDBOX_UID } from "../../sandbox/images/recipes.js";
import type { ResourceOwner } from "../../sandbox/labels.js";
import { ADMIN_URL } from "../support/databases.js";
import { startEgressHost } from "../support/egress-host.js";
import { execIn, FIXTURES, limits, runFixtureCluster, testOwner } from "../support/sandbox.js";

const docker = new Docker();
const PYTHON = "labgrade/python:latest";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);

// ---------------------------------------------------------------------------
// Helpers

function ownerFor(name: string): ResourceOwner {
  return testOwner(`hostile-${name}`);
}

async function buildHostile(fixture: string, owner: ResourceOwner, command: string, timeoutMs = 60_000): Promise<BuildResult> {
  const { tar } = await normaliseArchive(await packDirectory(path.join(FIXTURES, "hostile", fixture)), SANDBOX_UID);
  return buildSubmission(docker, { tar, image: PYTHON, command, timeoutMs, limits: limits.build, owner });
}

/**
 * Builds the case's fixture, runs it as a cluster owned by `owner` (small by
 * default: 2 nodes, 3 s of echo), and removes the build volume afterwards.
 */
async function runHostile(
  fixture: string,
  owner: ResourceOwner,
  overrides: Partial<ClusterTestRequest> = {},
): Promise<{ result: ClusterTestResult; elapsedMs: number }> {
  const build = await buildHostile(fixture, owner, "python3 -m py_compile node.py");
  try {
    if (!build.ok) throw new Error(`the ${fixture} fixture did not build: ${build.reason}\n${build.log}`);
    const started = Date.now();
    const result = await runFixtureCluster(docker, build.volume, {
      runImage: PYTHON,
      runCommand: "python3 /work/src/node.py",
      nodeCount: 2,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 3000, seed: "3", requestTimeoutMs: 1000, readyTimeoutMs: 20_000 },
      wallClockMs: 60_000,
      owner,
      ...overrides,
    });
    return { result, elapsedMs: Date.now() - started };
  } finally {
    await removeVolume(docker, build.volume);
  }
}

function verdictOf(name: string, result: ClusterTestResult) {
  return judge(testSpecSchema.parse({ name, workload: "echo" }), result);
}

function nodeLog(result: ClusterTestResult, id: string): string {
  const node = result.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id} in the result`);
  return node.log;
}

/** Everything in the engine that carries the owner's job label. */
async function leftovers(owner: ResourceOwner): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filters = { label: [`labgrade.job=${owner.jobId}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.map((c) => `${c.Names.join(",")} (${c.State})`),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
  };
}

const NOTHING_LEFT = { containers: [], networks: [], volumes: [] };

async function timed(what: string, fn: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await Promise.race([
    fn(),
    sleep(10_000).then(() => {
      throw new Error(`${what} did not answer within 10 s`);
    }),
  ]);
  return Date.now() - started;
}

/**
 * The host's own services answer: a PostgreSQL query, a Redis PING, the
 * Docker engine, and a new process (the pid table is not exhausted).
 * Resolves with each one's latency in ms; rejects naming the one that failed.
 */
async function hostHealth(): Promise<{ postgres: number; redis: number; docker: number; spawn: number }> {
  const postgres = await timed("PostgreSQL", async () => {
    const client = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number }>("select 1 as one");
      if (rows[0]?.one !== 1) throw new Error("PostgreSQL answered select 1 wrongly");
    } finally {
      await client.end();
    }
  });
  const redis = await timed("Redis", () => redisPing());
  const dockerMs = await timed("Docker", () => docker.ping());
  const spawn = await timed("a new host process", () => run("true"));
  return { postgres, redis, docker: dockerMs, spawn };
}

function redisPing(): Promise<void> {
  const url = new URL(REDIS_URL);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port || 6379) });
    let answer = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error("Redis PING timed out")));
    socket.on("connect", () => socket.write(url.password ? `AUTH ${decodeURIComponent(url.password)}\r\nPING\r\n` : "PING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes("+PONG")) {
        socket.end();
        resolve();
      } else if (answer.startsWith("-")) {
        socket.destroy(new Error(`Redis answered ${answer.trim()}`));
      }
    });
    socket.on("error", reject);
  });
}

/**
 * Every IPv4 address of the host but loopback (also those of interfaces that
 * are down, like an idle docker0), found at run time, and the one its default
 * route leaves from (if it has one).
 */
async function hostIPv4Addresses(): Promise<{ all: string[]; main: string | undefined }> {
  const { stdout } = await run("ip", ["-4", "-o", "addr", "show"]);
  const rows = [...stdout.matchAll(/^\d+:\s+(\S+)\s+inet (\d+\.\d+\.\d+\.\d+)\//gm)].map((m) => ({ dev: m[1]!, addr: m[2]! }));
  const all = rows.filter((r) => !r.addr.startsWith("127.")).map((r) => r.addr);
  const dev = /\bdev (\S+)/.exec((await run("ip", ["-4", "route", "show", "default"])).stdout)?.[1];
  return { all, main: rows.find((r) => r.dev === dev)?.addr };
}

/** Runs `fn` in the background; the test awaits the promise later (only then do its errors count). */
function background<T>(fn: () => Promise<T>): Promise<T> {
  const promise = fn();
  promise.catch(() => undefined);
  return promise;
}

/** Host processes whose command line contains `marker` (the node's processes are host processes too). */
async function hostProcessesWith(marker: string): Promise<string[]> {
  const { stdout } = await run("ps", ["-eo", "pid=,args="]);
  return stdout.split("\n").filter((line) => line.includes(marker) && !line.includes("ps -eo"));
}

/** Waits until the container's log contains `text` (the node's stderr is in it). */
async function waitForLog(containerId: string, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout, stderr } = await readOutput(docker.getContainer(containerId));
    if ((stdout + stderr).includes(text)) return;
    if (Date.now() > deadline) throw new Error(`"${text}" did not appear in the log of ${containerId} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Bytes of a container's json-file log on the host: the current file and its rotated copies (which come and go). */
async function logFilesBytes(logPath: string): Promise<number> {
  const dir = path.dirname(logPath);
  const names = (await readdir(dir)).filter((name) => name.startsWith(path.basename(logPath)));
  const sizes = await Promise.all(names.map((name) => stat(path.join(dir, name)).then((s) => s.size, () => 0)));
  return sizes.reduce((a, b) => a + b, 0);
}

/** CPU cores a container used between two samples `gapMs` apart (from the engine's own counters). */
async function coresUsed(containerId: string, gapMs: number): Promise<number> {
  const container = docker.getContainer(containerId);
  const first = await container.stats({ stream: false, "one-shot": true });
  await sleep(gapMs);
  const second = await container.stats({ stream: false, "one-shot": true });
  if (!first.cpu_stats?.cpu_usage || !second.cpu_stats?.cpu_usage) {
    throw new Error(`the engine gave no CPU counters for ${containerId}: ${JSON.stringify(second).slice(0, 500)}`);
  }
  const usedNs = second.cpu_stats.cpu_usage.total_usage - first.cpu_stats.cpu_usage.total_usage;
  const wallNs = (Date.parse(second.read) - Date.parse(first.read)) * 1e6;
  return usedNs / wallNs;
}

// ---------------------------------------------------------------------------

describe("hostile node programs", () => {
  it("fork bomb: the pids limit holds, the verdict is not PASS, the host keeps answering", async () => {
    const owner = ownerFor("fork-bomb");
    const marker = `hostile-fork-bomb-${process.pid}-${Date.now()}`;
    let during: Promise<{ pids: number; health: Awaited<ReturnType<typeof hostHealth>> }> | undefined;
    const { result } = await runHostile("fork-bomb", owner, {
      runCommand: `python3 /work/src/node.py ${marker}`,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 4000, seed: "1", requestTimeoutMs: 1000, readyTimeoutMs: 20_000 },
      onNodesReady: (nodes) => {
        during = background(async () => {
          await waitForLog(nodes[0]!.containerId, "FORK_FAILED", 15_000);
          const stats = await docker.getContainer(nodes[0]!.containerId).stats({ stream: false });
          return { pids: stats.pids_stats?.current ?? -1, health: await hostHealth() };
        });
      },
    });
    const sampled = await during!;
    // The bomb ran into the limit (fork failed with EAGAIN) and never beyond it.
    expect(nodeLog(result, "n0")).toContain("FORK_FAILED errno=EAGAIN");
    expect(sampled.pids).toBeGreaterThan(limits.node.pids / 2);
    expect(sampled.pids).toBeLessThanOrEqual(limits.node.pids);
    // While the bomb went off, the host answered.
    for (const ms of Object.values(sampled.health)) expect(ms).toBeLessThan(5000);
    expect(result.timedOut).toBe(false);
    const judged = verdictOf("fork-bomb", result);
    expect(judged.verdict).not.toBe("PASS");
    expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
    expect(await hostProcessesWith(marker)).toEqual([]);
    await hostHealth();
  });

  it("unbounded allocation: the OOM killer stops the node, verdict LIMIT_EXCEEDED (memory)", async () => {
    const owner = ownerFor("memory");
    const { result } = await runHostile("memory", owner);
    const n0 = result.nodes.find((n) => n.id === "n0")!;
    const n1 = result.nodes.find((n) => n.id === "n1")!;
    expect(n0.oomKilled).toBe(true);
    expect(n0.running).toBe(false);
    // The allocation never got past the container's memory limit.
    const allocated = [...n0.log.matchAll(/ALLOCATED (\d+)/g)].map((m) => Number(m[1]));
    expect(allocated.length).toBeGreaterThan(0);
    expect(Math.max(...allocated)).toBeLessThanOrEqual(limits.node.memoryBytes / MiB);
    // The other node was not touched.
    expect(n1.oomKilled).toBe(false);
    expect(n1.running).toBe(true);
    const judged = verdictOf("memory", result);
    expect(judged.verdict).toBe("LIMIT_EXCEEDED");
    expect(judged.reason).toContain("memory limit exceeded");
    expect(judged.reason).toBe("memory limit exceeded on n0");
    expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
    await hostHealth();
  });

  it("disk filler: every writable place is bounded, the root file system takes nothing", async () => {
    const owner = ownerFor("disk");
    let during: Promise<{ sizeRw: number; sizeRootFs: number }> | undefined;
    const { result } = await runHostile("disk", owner, {
      dataVolume: true,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 5000, seed: "4", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      onNodesReady: (nodes) => {
        during = background(async () => {
          await waitForLog(nodes[0]!.containerId, "DISK done", 30_000);
          // The engine reports SizeRw (bytes in the writable layer) when asked for sizes.
          // SizeRw is left out when it is 0; SizeRootFs shows the sizes were computed.
          const [info] = (await docker.listContainers({ all: true, size: true, filters: { id: [nodes[0]!.containerId] } })) as Array<{
            SizeRw?: number;
            SizeRootFs?: number;
          }>;
          return { sizeRw: info?.SizeRw ?? 0, sizeRootFs: info?.SizeRootFs ?? 0 };
        });
      },
    });
    const sampled = await during!;
    for (const node of result.nodes) {
      const report = Object.fromEntries(
        [...node.log.matchAll(/DISK path=(\S+) bytes=(\d+) error=(\S+)/g)].map((m) => [m[1]!, { bytes: Number(m[2]), error: m[3]! }]),
      );
      expect(node.log, `${node.id} finished its attempts`).toContain("DISK done");
      // The tmpfs mounts fill up and say so.
      expect(report["/tmp/fill"]).toEqual({ bytes: expect.any(Number), error: "ENOSPC" });
      expect(report["/tmp/fill"]!.bytes).toBeLessThanOrEqual(limits.node.tmpfsBytes);
      expect(report["/dev/shm/fill"]!.error).toBe("ENOSPC");
      expect(report["/dev/shm/fill"]!.bytes).toBeLessThanOrEqual(16 * MiB);
      // /data is a bounded (tmpfs) volume: full at its size, in total, not just per file.
      expect(report["/data/fill-1"]!.error).toBe("ENOSPC");
      expect(report["/data/fill-1"]!.bytes).toBeLessThanOrEqual(limits.node.tmpfsBytes);
      expect(report["/data/fill-2"]).toEqual({ bytes: 0, error: "ENOSPC" });
      // Everything else is read-only.
      for (const place of ["/", "/work/src", "/work/out", "/etc", "/var/tmp", "/home", "/opt"]) {
        expect(report[path.join(place, "hostile-fill")], place).toEqual({ bytes: 0, error: expect.stringMatching(/^(EROFS|EACCES)$/) });
      }
      // With full disks the node carried on answering.
      expect(node.running).toBe(true);
    }
    // Nothing landed in the container's writable layer on the host.
    expect(sampled.sizeRootFs).toBeGreaterThan(0);
    expect(sampled.sizeRw).toBe(0);
    expect(verdictOf("disk", result).verdict).toBe("PASS");
    // The data volumes went with the cluster.
    expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
    await hostHealth();
  });

  it("output flood: the stored node log is bounded and the test still ends", async () => {
    const owner = ownerFor("flood");
    let during: Promise<{ logFileBytes: number[]; health: Awaited<ReturnType<typeof hostHealth>> }> | undefined;
    const { result, elapsedMs } = await runHostile("flood", owner, {
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 6000, seed: "4", requestTimeoutMs: 1000, readyTimeoutMs: 20_000 },
      onNodesReady: (nodes) => {
        during = background(async () => {
          const paths = await Promise.all(nodes.map(async (n) => (await docker.getContainer(n.containerId).inspect()).LogPath));
          // Not waitForLog: the flood pushes its own first lines out of Docker's log at once.
          await sleep(2500);
          return { logFileBytes: await Promise.all(paths.map((p) => logFilesBytes(p))), health: await hostHealth() };
        });
      },
    });
    const sampled = await during!;
    expect(result.timedOut).toBe(false);
    expect(elapsedMs).toBeLessThan(40_000);
    // Docker's log files on the host stay bounded: the current one and one rotated copy, each about max-size.
    for (const bytes of sampled.logFileBytes) expect(bytes).toBeLessThanOrEqual(2 * limits.node.logBytes + MiB);
    // What the runner keeps of each node's log is bounded too (Docker's cut can leave less than the limit).
    for (const node of result.nodes) expect(Buffer.byteLength(node.log), node.id).toBeLessThanOrEqual(256 * 1024 + 100);
    // The agent passed on only its budget and said how much it dropped; the stored log says it was cut.
    for (const node of result.nodes) {
      expect(node.log, node.id).toMatch(/\d+ bytes of the node's log dropped so far/);
      expect(node.logTruncated, node.id).toBe(true);
    }
    for (const ms of Object.values(sampled.health)) expect(ms).toBeLessThan(5000);
    expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
  });

  it("CPU hog: each node gets its CPU quota and no more, the test ends, the host keeps answering", async () => {
    const owner = ownerFor("cpu");
    let during: Promise<{ nanoCpus: number[]; cores: number[]; health: Awaited<ReturnType<typeof hostHealth>> }> | undefined;
    const { result } = await runHostile("cpu", owner, {
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 8000, seed: "5", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      onNodesReady: (nodes) => {
        during = background(async () => {
          const nanoCpus = await Promise.all(nodes.map(async (n) => (await docker.getContainer(n.containerId).inspect()).HostConfig.NanoCpus ?? 0));
          await waitForLog(nodes[0]!.containerId, "SPINNING", 15_000);
          await sleep(500);
          const cores = await Promise.all(nodes.map((n) => coresUsed(n.containerId, 2000)));
          return { nanoCpus, cores, health: await hostHealth() };
        });
      },
    });
    const sampled = await during!;
    // The CFS quota is set on every node...
    expect(sampled.nanoCpus).toEqual(result.nodes.map(() => limits.node.cpus * 1e9));
    // ...and holds: a node spinning more processes than the host has CPUs uses its half core, no more.
    for (const cores of sampled.cores) {
      expect(cores, "the node was not spinning (or the wrong container was measured)").toBeGreaterThan(limits.node.cpus * 0.4);
      expect(cores).toBeLessThan(limits.node.cpus * 1.2);
    }
    expect(result.timedOut).toBe(false);
    for (const ms of Object.values(sampled.health)) expect(ms).toBeLessThan(5000);
    expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
  });

  it("never exits, ignores SIGTERM, leaves a daemon: stopped at the wall-clock limit, nothing survives", async () => {
    const owner = ownerFor("never-exits");
    const marker = `hostile-never-exits-${process.pid}-${Date.now()}`;
    let during: Promise<string[]> | undefined;
    const wallClockMs = 15_000;
    const { result, elapsedMs } = await runHostile("never-exits", owner, {
      runCommand: `python3 /work/src/node.py ${marker}`,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 2, durationMs: 60_000, seed: "6", requestTimeoutMs: 1000, readyTimeoutMs: 20_000 },
      wallClockMs,
      onNodesReady: (nodes) => {
        during = background(async () => {
          await waitForLog(nodes[0]!.containerId, "DETACHED", 15_000);
          return hostProcessesWith(marker);
        });
      },
    });
    // While it ran, the node and its detached daemon were processes on the host (so the check below means something).
    expect((await during!).length).toBeGreaterThanOrEqual(2);
    expect(result.timedOut).toBe(true);
    expect(elapsedMs).toBeGreaterThanOrEqual(wallClockMs - 1000);
    expect(elapsedMs).toBeLessThan(wallClockMs + 10_000);
    const judged = verdictOf("never-exits", result);
    expect(judged.verdict).toBe("LIMIT_EXCEEDED");
    expect(judged.reason).toMatch(/wall-clock/);
    expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
    expect(await hostProcessesWith(marker)).toEqual([]);
  });

  it("escape attempts: nothing leaves the lab network, to a host outside it or to the host", async () => {
    const owner = ownerFor("network");
    // A host of our own outside the lab network (a network namespace: never anyone else's address)...
    const outside = await startEgressHost();
    // ...and our own listeners on every host interface: only the firewall stands between them and the lab.
    const accepted: string[] = [];
    const received: string[] = [];
    const tcpServer = net.createServer((socket) => {
      accepted.push(`${socket.remoteAddress}:${socket.remotePort}`);
      socket.destroy();
    });
    const udpServer = dgram.createSocket("udp4");
    udpServer.on("message", (msg, rinfo) => {
      received.push(`${rinfo.address}:${rinfo.port}`);
      udpServer.send(msg, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => tcpServer.listen(0, "0.0.0.0", resolve));
    await new Promise<void>((resolve) => udpServer.bind(0, "0.0.0.0", resolve));
    try {
      // The host reaches the outside host by every protocol the lab will try: it is there, and answers.
      expect(await outside.reachFromHost()).toEqual({
        tcp: "labgrade egress host",
        udp: "labgrade echo",
        dnsUdp: outside.address,
        dnsTcp: outside.address,
        icmp: "reply",
      });
      expect(new Set(outside.contacts().map((c) => c.peer))).toEqual(new Set([outside.hostAddress]));
      await sleep(500); // the last segments of the host's own connections
      const contactsBefore = outside.contacts().length;
      const packetsBefore = await outside.packetsIn();
      expect(packetsBefore).toBeGreaterThan(0);

      const tcpPort = (tcpServer.address() as net.AddressInfo).port;
      const udpPort = udpServer.address().port;
      const { all: hostAddrs, main } = await hostIPv4Addresses();
      // The host's own addresses include the one it routes out of (if it has a default route) and its end of the outside host's link.
      expect(hostAddrs).toContain(outside.hostAddress);
      if (main) expect(hostAddrs).toContain(main);
      const { result } = await runHostile("network", owner, {
        runCommand: `python3 /work/src/node.py ${tcpPort} ${udpPort} ${hostAddrs.join(",")} ${outside.address}`,
        controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 5000, seed: "7", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      });
      const log = nodeLog(result, "n0");
      expect(log).toMatch(/PROBES done count=\d+/);
      const gateway = /GATEWAY (\S+)/.exec(log)![1]!;
      expect(gateway).toMatch(/^198\.1[89]\./);
      const probes = Object.fromEntries([...log.matchAll(/PROBE (\S+) (\S+) result=(\S+)/g)].map((m) => [`${m[1]} ${m[2]}`, m[3]!]));
      const hostTargets = [gateway, ...hostAddrs];
      expect(Object.keys(probes)).toHaveLength(6 + hostTargets.length * 7);
      // The host outside: no route out, by any protocol; it saw not one packet from the lab.
      const out = outside.address;
      expect(probes[`tcp ${out}:80`]).toMatch(/^(timeout|unreachable)$/);
      expect(probes[`udp ${out}:7`]).toMatch(/^(no-reply|unreachable)$/);
      expect(probes[`dns-udp ${out}:53`]).toMatch(/^(no-reply|unreachable)$/);
      expect(probes[`dns-tcp ${out}:53`]).toMatch(/^(timeout|unreachable)$/);
      // ICMP: a ping socket if the container's ping_group_range allows one (Docker's default does).
      expect(probes[`icmp ${out}`]).toMatch(/^(timeout|unreachable|not-permitted:\w+)$/);
      console.info(`hostile network: an echo request from the lab to the outside host ended "${probes[`icmp ${out}`]}"`);
      // No name resolves outside the cluster (grading-integrity.test.ts shows no query even leaves it).
      expect(probes["dns deb.debian.org"]).toBe("failed");
      expect(outside.contacts().slice(contactsBefore), "the outside host's listeners were reached from the lab").toEqual([]);
      expect(await outside.packetsIn(), "packets from the lab arrived at the outside host").toBe(packetsBefore);
      // The host: every connection is dropped by the firewall (a timeout, not a refusal from a closed port).
      const guard = "(anything but a timeout means packets reached the host: is the LABGRADE-HOST-GUARD chain of infra/lib.sh installed?)";
      for (const host of hostTargets) {
        for (const port of [5432, 6379, 3000, 22, tcpPort]) expect(probes[`tcp ${host}:${port}`], `tcp ${host}:${port} ${guard}`).toBe("timeout");
        expect(probes[`udp ${host}:${udpPort}`], `udp ${host}:${udpPort} ${guard}`).toBe("no-reply");
        expect(probes[`icmp ${host}`], `icmp ${host} ${guard}`).toMatch(/^(timeout|not-permitted:\w+)$/);
      }
      expect(accepted, `connections from the lab reached our listener ${guard}`).toEqual([]);
      expect(received, `datagrams from the lab reached our listener ${guard}`).toEqual([]);
      expect(verdictOf("network", result).verdict).toBe("PASS");
      expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
    } finally {
      tcpServer.close();
      udpServer.close();
      await outside.close();
    }
  });

  it("firewall tampering: every change is refused and the node's network keeps working", async () => {
    const owner = ownerFor("firewall");
    let during: Promise<string> | undefined;
    const { result } = await runHostile("firewall", owner, {
      onNodesReady: (nodes) => {
        during = background(() =>
          execIn(docker, nodes[0]!.containerId, ["/bin/sh", "-c", "ip -o link show eth0; ip -4 -o addr show eth0; tc qdisc show dev eth0"]),
        );
      },
    });
    const attempts = [...nodeLog(result, "n0").matchAll(/TAMPER (.+?) exit=(-?\d+) stderr=(.*)/g)].map((m) => ({ cmd: m[1]!, exit: Number(m[2]), stderr: m[3]! }));
    expect(attempts.map((a) => a.cmd)).toEqual([
      "/usr/sbin/iptables -F",
      "/usr/sbin/iptables -I OUTPUT -j ACCEPT",
      "/usr/bin/ip link set eth0 down",
      "/usr/sbin/tc qdisc add dev eth0 root tbf rate 8kbit burst 1600 latency 1ms",
      "/usr/bin/ip addr add 198.18.250.250/32 dev eth0",
    ]);
    for (const attempt of attempts) {
      expect(attempt.exit, attempt.cmd).not.toBe(0);
      expect(attempt.stderr, attempt.cmd).toMatch(/Permission denied|Operation not permitted/);
    }
    // Seen from outside the program: the interface is up, unchanged, with no new queueing discipline.
    const network = await during!;
    expect(network).toMatch(/eth0@\S+ <[^>]*\bUP\b/);
    expect(network).not.toContain("198.18.250.250");
    expect(network).not.toContain("tbf");
    expect(verdictOf("firewall", result).verdict).toBe("PASS");
    expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
  });

  it("a peer's client port: only the controller reaches it, so no node is heard as another's client or tester", async () => {
    const owner = ownerFor("peer-client-port");
    // Long enough for every probe (a second's wait, then up to 2 s each) to end inside the run.
    const { result } = await runHostile("peer-client-port", owner, {
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 8000, seed: "5", requestTimeoutMs: 1000, readyTimeoutMs: 20_000 },
    });
    for (const [me, peer] of [["n0", "n1"], ["n1", "n0"]] as const) {
      const log = nodeLog(result, me);
      expect(log).toContain("PROBES done");
      // Dropped, not refused: the peer's port is open (the controller is served there), and the firewall stands before it.
      expect(log, `${me} reached ${peer}'s client port`).toContain(`PROBE ${peer}:7001 result=timeout`);
      // The probe itself works: the node reaches its own client port over loopback.
      expect(log).toContain("PROBE 127.0.0.1:7001 result=connected");
    }
    expect(verdictOf("peer-client-port", result).verdict).toBe("PASS");
    expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
  });
});

describe("hostile builds", () => {
  it("a build that fills its disk stops at the /work volume's size, not the host's", async () => {
    const owner = ownerFor("build-disk");
    const build = await buildHostile(
      "firewall",
      owner,
      "for i in 1 2 3 4 5 6 7 8; do head -c 200000000 /dev/zero > /work/out/fill-$i || break; done; du -sm /work; df -m /work | tail -1",
    );
    try {
      expect(build.log).toMatch(/No space left on device/);
      // Bounded at 512 MiB in total (the fsize limit would have allowed 8 × 200 MB files).
      const used = Number(/^(\d+)\s+\/work$/m.exec(build.log)?.[1]);
      expect(used).toBeGreaterThan(400);
      expect(used).toBeLessThanOrEqual(512);
    } finally {
      await removeVolume(docker, build.volume);
    }
    expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
  });

  it("a build that reaches for the network fails as the student's build failure, with the error in its log", async () => {
    const owner = ownerFor("build-network");
    const outside = await startEgressHost();
    try {
      // The targets are there: the host reaches the outside host, and its own addresses are its own.
      expect((await outside.reachFromHost()).tcp).toBe("labgrade egress host");
      await sleep(500);
      const packetsBefore = await outside.packetsIn();
      const { all: hostAddrs } = await hostIPv4Addresses();
      const build = await buildHostile(
        "firewall",
        owner,
        `python3 -c "import urllib.request; urllib.request.urlopen('http://${outside.address}/', timeout=3)"; ` +
          `python3 -c "import socket, sys; [socket.create_connection((a, 5432), timeout=3) for a in sys.argv[1:]]" ${hostAddrs.join(" ")}`,
      );
      try {
        expect(build.ok).toBe(false);
        if (build.ok) return;
        expect(build.reason).toMatch(/^build command exited with status [1-9]/);
        expect(build.log).toMatch(/URLError: <urlopen error \[Errno 101\] Network is unreachable>/);
        expect(build.log).toMatch(/OSError: \[Errno 101\] Network is unreachable/);
      } finally {
        await removeVolume(docker, build.volume);
      }
      expect(await outside.packetsIn(), "packets from the build arrived at the outside host").toBe(packetsBefore);
    } finally {
      await outside.close();
    }
    expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
  });

  it("a build that never ends is killed at its time limit and leaves no container", async () => {
    const owner = ownerFor("build-forever");
    const build = await buildHostile("firewall", owner, "sleep 1000", 5000);
    try {
      expect(build.ok).toBe(false);
      if (build.ok) return;
      expect(build.reason).toMatch(/killed after 5 s/);
      expect(build.durationMs).toBeLessThan(15_000);
      // Only the holder that keeps the (bounded) build volume mounted remains until it is released.
      expect((await leftovers(owner)).containers).toEqual([expect.stringMatching(/-holder \(running\)$/)]);
    } finally {
      await removeVolume(docker, build.volume);
    }
    expect(await leftovers(owner)).toEqual(NOTHING_LEFT);
  });
});
