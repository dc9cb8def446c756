// Real faults on real clusters: packets cross a real network, a partition's
// firewall rules drop them (and the agent never replays them after the heal),
// kill -9 and restart, pause and resume. The chatter fixture stamps every
// message with the host clock, so the logs show what crossed when.
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeCapabilities } from "../../sandbox/capabilities.js";
import { beatsIn, buildFixture, faultEvent, logOf, runFixtureCluster } from "../support/sandbox.js";

const docker = new Docker();
const RUN = { runImage: "labgrade/python:latest", runCommand: "python3 /work/src/node.py" };
let build: Awaited<ReturnType<typeof buildFixture>>;

beforeAll(async () => {
  build = await buildFixture(docker, "chatter", "labgrade/python:latest", "python3 -m py_compile node.py");
  expect(build.ok).toBe(true);
});

afterAll(async () => {
  await build?.remove();
});


describe("network", () => {
  it("carries messages between nodes as real packets", async () => {
    const samples: number[] = [];
    let containerId = "";
    const rxPackets = async () => {
      const exec = await docker.getContainer(containerId).exec({ Cmd: ["cat", "/sys/class/net/eth0/statistics/rx_packets"], AttachStdout: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      return Number(Buffer.concat(chunks).subarray(8).toString().trim());
    };
    const result = await runFixtureCluster(docker, build.volume, {
      ...RUN,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 2, durationMs: 3000, seed: "5", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      onNodesReady: (nodes) => {
        containerId = nodes[0]!.containerId;
        const sample = () => void rxPackets().then((n) => samples.push(n), () => undefined);
        setTimeout(sample, 1500);
        setTimeout(sample, 3000);
      },
    });
    expect(samples).toHaveLength(2);
    // n1 and n2 each send n0 a beat every 50 ms: dozens of packets a second arrive on its interface.
    expect(samples[1]! - samples[0]!).toBeGreaterThan(20);
    expect(beatsIn(logOf(result, "n0")).some((b) => b.from === "n1")).toBe(true);
    expect(result.network.subnet).toMatch(/^198\.18\./);
  });
});

describe("partition", () => {
  it("drops packets across the cut, delivers nothing late, and flows again after the heal", async () => {
    const result = await runFixtureCluster(docker, build.volume, {
      ...RUN,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 2, durationMs: 6000, seed: "7", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      faults: [
        { kind: "partition", at: 1.5, mode: "isolate", node: "n0" },
        { kind: "heal", at: 4 },
      ],
    });
    const cut = faultEvent(result, "partition");
    const heal = faultEvent(result, "heal");
    expect(cut.ok).toBe(true);
    expect(cut.detail).toContain("n0 ✕ n1,n2");
    // The firewall did the dropping: its DROP counters on n0 rose.
    expect(heal.droppedPackets!.n0).toBeGreaterThan(10);

    const margin = 250;
    const inWindow = (b: { sentMs: number }) => b.sentMs > cut.wallMs + margin && b.sentMs < heal.wallMs - margin;
    const n0 = beatsIn(logOf(result, "n0"));
    const n1 = beatsIn(logOf(result, "n1"));
    // Nothing sent across the cut during the partition ever arrived: not then, not after the heal.
    expect(n0.filter((b) => inWindow(b))).toEqual([]);
    expect(n1.filter((b) => b.from === "n0" && inWindow(b))).toEqual([]);
    // The majority side kept talking.
    expect(n1.filter((b) => b.from === "n2" && inWindow(b)).length).toBeGreaterThan(10);
    // Before the cut and after the heal, n0 hears its peers.
    expect(n0.some((b) => b.from === "n1" && b.sentMs < cut.wallMs)).toBe(true);
    expect(n0.filter((b) => b.from === "n1" && b.sentMs > heal.wallMs + margin).length).toBeGreaterThan(10);
  });
});

describe("loss and bandwidth", () => {
  it("random loss drops about the share of packets asked for", async () => {
    const result = await runFixtureCluster(docker, build.volume, {
      ...RUN,
      nodeCount: 2,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 2, durationMs: 6000, seed: "13", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      faults: [
        { kind: "loss", at: 1, probability: 0.5 },
        { kind: "heal", at: 5 },
      ],
    });
    const loss = faultEvent(result, "loss");
    const heal = faultEvent(result, "heal");
    const window = (b: { sentMs: number }) => b.sentMs > loss.wallMs + 100 && b.sentMs < heal.wallMs - 100;
    const before = beatsIn(logOf(result, "n0")).filter((b) => b.sentMs < loss.wallMs).length;
    const during = beatsIn(logOf(result, "n0")).filter(window).length;
    const expected = ((heal.wallMs - loss.wallMs - 200) / 50) * 0.5; // n1 beats every 50 ms
    expect(before).toBeGreaterThan(5);
    expect(during).toBeGreaterThan(expected * 0.5);
    expect(during).toBeLessThan(expected * 1.5);
    expect(heal.droppedPackets!.n0).toBeGreaterThan(expected * 0.5);
  });

  it("bandwidth limits install a token bucket on every node", async () => {
    let containerId = "";
    const result = await runFixtureCluster(docker, build.volume, {
      ...RUN,
      nodeCount: 2,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 2, durationMs: 3000, seed: "17", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      faults: [{ kind: "bandwidth", at: 0.5, kbitPerSecond: 256 }],
      onNodesReady: (nodes) => {
        containerId = nodes[0]!.containerId;
      },
    });
    expect(faultEvent(result, "bandwidth").ok).toBe(true);
    expect(containerId).not.toBe("");
    // Traffic still flows under the limit.
    expect(beatsIn(logOf(result, "n0")).length).toBeGreaterThan(20);
  });
});

describe("netem", () => {
  // The userspace scheduler is tested on every host (shaping.test.ts); netem is the way for
  // kernels without NFQUEUE, and only where the kernel has it.
  it("delays one node's packets to one peer, where the kernel has netem", async (ctx) => {
    const caps = await probeCapabilities(docker);
    if (!caps.shaping.netem.available) {
      console.log(`SKIPPED: this host's kernel has no netem (${caps.shaping.netem.detail}); its runners shape packets with ${caps.shaping.kind === "userspace" ? "the packet scheduler, tested in shaping.test.ts" : caps.shaping.detail}`);
      ctx.skip();
      return;
    }
    const result = await runFixtureCluster(docker, build.volume, {
      ...RUN,
      nodeCount: 3,
      shaper: "netem",
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 2, durationMs: 4000, seed: "19", requestTimeoutMs: 3000, readyTimeoutMs: 20_000 },
      faults: [{ kind: "delay", at: 1, ms: 300, from: "n1", to: "n0" }],
    });
    const delay = faultEvent(result, "delay");
    expect(delay.detail).toContain("(netem)");
    const slow = beatsIn(logOf(result, "n0")).filter((b) => b.from === "n1" && b.sentMs > delay.wallMs + 100);
    expect(slow.length).toBeGreaterThan(5);
    for (const b of slow) expect(b.recvMs - b.sentMs).toBeGreaterThanOrEqual(290);
    const fast = beatsIn(logOf(result, "n2")).filter((b) => b.from === "n1" && b.sentMs > delay.wallMs + 100);
    expect(Math.max(...fast.map((b) => b.recvMs - b.sentMs))).toBeLessThan(100);
  });
});

describe("process faults", () => {
  it("kill -9 stops a node, restart brings it back with its data volume", async () => {
    const result = await runFixtureCluster(docker, build.volume, {
      ...RUN,
      dataVolume: true,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 2, durationMs: 6000, seed: "9", requestTimeoutMs: 1000, readyTimeoutMs: 20_000 },
      faults: [
        { kind: "kill", at: 1.5, node: "n1" },
        { kind: "restart", at: 3.5, node: "n1" },
      ],
    });
    const kill = faultEvent(result, "kill");
    const restart = faultEvent(result, "restart");
    expect(kill.nodes).toEqual(["n1"]);
    const n1 = logOf(result, "n1");
    // The agent initialised the program twice; /data survived, so the second boot counts 2.
    expect(n1.match(/init_ok received/g)).toHaveLength(2);
    expect(n1).toContain("BOOT 1");
    expect(n1).toContain("BOOT 2");
    const fromN1 = beatsIn(logOf(result, "n0")).filter((b) => b.from === "n1");
    expect(fromN1.filter((b) => b.sentMs > kill.wallMs + 100 && b.sentMs < restart.wallMs)).toEqual([]);
    expect(fromN1.some((b) => b.sentMs > restart.wallMs)).toBe(true);
  });

  it("pause freezes a node and resume thaws it", async () => {
    const result = await runFixtureCluster(docker, build.volume, {
      ...RUN,
      controller: { workload: "echo", concurrency: 1, ratePerSecond: 2, durationMs: 5000, seed: "11", requestTimeoutMs: 1000, readyTimeoutMs: 20_000 },
      faults: [
        { kind: "pause", at: 1, node: "n2" },
        { kind: "resume", at: 3, node: "n2" },
      ],
    });
    const pause = faultEvent(result, "pause");
    const resume = faultEvent(result, "resume");
    const fromN2 = beatsIn(logOf(result, "n0")).filter((b) => b.from === "n2");
    // A frozen process sends nothing; its clock-stamped beats skip the frozen span.
    expect(fromN2.filter((b) => b.sentMs > pause.wallMs + 100 && b.sentMs < resume.wallMs - 100)).toEqual([]);
    expect(fromN2.some((b) => b.sentMs > resume.wallMs)).toBe(true);
    expect(result.nodes.find((n) => n.id === "n2")!.running).toBe(true);
  });
});
