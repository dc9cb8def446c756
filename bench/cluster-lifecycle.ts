// Benchmark: time to create and to tear down a 5-node cluster with our sandbox
// (an internal network on a /24 of its own, the services and resolver, the
// record volume, a netctl sidecar with traffic counters per node, hardened
// node containers running the agent, the controller), against the same Docker
// operations done raw (a network and six plain containers started in
// parallel), measured in the same run. Prints medians and the ratio.
// Run: npx tsx bench/cluster-lifecycle.ts [rounds]
import Docker from "dockerode";
import { normaliseArchive, packDirectory } from "../lib/archive.js";
import { parseConfig } from "../lib/config.js";
import { BUILTIN_LABS } from "../lib/labs/builtin.js";
import { BASE_IMAGE } from "../lib/toolchains.js";
import { runnerLimits } from "../runner/limits.js";
import { buildSubmission, removeVolume } from "../sandbox/build.js";
import { runClusterTest } from "../sandbox/cluster.js";
import { SANDBOX_UID } from "../sandbox/images/recipes.js";
import { labelsFor } from "../sandbox/labels.js";

const ROUNDS = Number(process.argv[2] ?? 5);
const NODES = 5;
const docker = new Docker();
const limits = runnerLimits(parseConfig({}));
const owner = { runnerId: `bench-${process.pid}`, jobId: "bench", test: "bench", owner: "bench" };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function rawRound(i: number): Promise<{ setupMs: number; teardownMs: number }> {
  const t0 = performance.now();
  const name = `lg-bench-raw-${process.pid}-${i}`;
  const network = await docker.createNetwork({ Name: name, Internal: true, Labels: labelsFor(owner) });
  const containers = await Promise.all(
    Array.from({ length: NODES + 1 }, (_, n) =>
      docker.createContainer({ Image: BASE_IMAGE, Cmd: ["/bin/sleep", "infinity"], Labels: labelsFor(owner), HostConfig: { NetworkMode: name }, name: `${name}-${n}` }),
    ),
  );
  await Promise.all(containers.map((c) => c.start()));
  const setupMs = performance.now() - t0;
  const t1 = performance.now();
  await Promise.all(containers.map((c) => c.remove({ force: true })));
  await network.remove();
  return { setupMs, teardownMs: performance.now() - t1 };
}

async function main(): Promise<void> {
  const echo = BUILTIN_LABS.find((l) => l.slug === "echo")!;
  const { tar } = await normaliseArchive(await packDirectory(echo.references[0]!.dir), SANDBOX_UID);
  const build = await buildSubmission(docker, { tar, image: echo.buildImage, command: echo.buildCommand, timeoutMs: 120_000, limits: limits.build, owner });
  if (!build.ok) throw new Error(`could not build the echo reference: ${build.reason}`);
  const ours: Array<{ setupMs: number; teardownMs: number }> = [];
  const raw: Array<{ setupMs: number; teardownMs: number }> = [];
  try {
    // Interleaved, so both see the same machine state.
    for (let i = 0; i < ROUNDS; i++) {
      raw.push(await rawRound(i));
      const result = await runClusterTest(docker, {
        buildVolume: build.volume,
        runImage: echo.runImage,
        controllerImage: BASE_IMAGE,
        runCommand: echo.runCommand,
        nodeCount: NODES,
        // The shortest possible main phase: we time the lifecycle, not the workload.
        controller: { workload: "echo", concurrency: 1, ratePerSecond: 1, durationMs: 1, seed: "1", requestTimeoutMs: 1000, readyTimeoutMs: 20_000 },
        nodeLimits: limits.node,
        controllerLimits: limits.controller,
        wallClockMs: 60_000,
        owner,
      });
      ours.push({ setupMs: result.setupMs, teardownMs: result.teardownMs });
    }
  } finally {
    await removeVolume(docker, build.volume);
  }
  const row = (label: string, o: number, r: number) => `${label.padEnd(10)} ${o.toFixed(0).padStart(8)} ms ${r.toFixed(0).padStart(8)} ms ${(o / r).toFixed(2).padStart(7)}x`;
  console.log(`5-node cluster lifecycle, ${ROUNDS} rounds, medians (ours: network + services + record volume + ${NODES} sidecars + ${NODES} hardened nodes with agent + controller; raw: network + ${NODES + 1} plain containers)`);
  console.log(`${"".padEnd(10)} ${"ours".padStart(11)} ${"raw".padStart(11)} ${"ratio".padStart(8)}`);
  console.log(row("setup", median(ours.map((x) => x.setupMs)), median(raw.map((x) => x.setupMs))));
  console.log(row("teardown", median(ours.map((x) => x.teardownMs)), median(raw.map((x) => x.teardownMs))));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
