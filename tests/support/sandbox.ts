// Builds a fixture solution with the real sandbox, for tests that drive
// clusters directly (without the queue and database).
import path from "node:path";
import type Docker from "dockerode";
import { normaliseArchive, packDirectory } from "../../lib/archive.js";
import { parseConfig } from "../../lib/config.js";
import { runnerLimits } from "../../runner/limits.js";
import { buildSubmission, removeVolume } from "../../sandbox/build.js";
import { runClusterTest, type ClusterTestRequest, type ClusterTestResult } from "../../sandbox/cluster.js";
import { demultiplex } from "../../sandbox/container-io.js";
import { SANDBOX_UID } from "../../sandbox/images/recipes.js";

export const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");
export const limits = runnerLimits(parseConfig({}));

export function testOwner(test: string) {
  return { runnerId: `test-${process.pid}`, jobId: `test-${test}`, test, owner: "tests" };
}

export async function buildFixture(docker: Docker, fixture: string, image: string, command: string) {
  const { tar } = await normaliseArchive(await packDirectory(path.join(FIXTURES, fixture)), SANDBOX_UID);
  const result = await buildSubmission(docker, { tar, image, command, timeoutMs: 120_000, limits: limits.build, owner: testOwner("build") });
  return { ...result, remove: () => removeVolume(docker, result.volume) };
}

export async function runFixtureCluster(
  docker: Docker,
  volume: string,
  overrides: Partial<ClusterTestRequest> & { runImage: string; runCommand: string },
): Promise<ClusterTestResult> {
  return runClusterTest(docker, {
    buildVolume: volume,
    controllerImage: "labgrade/base:latest",
    nodeCount: 3,
    controller: { workload: "echo", concurrency: 1, ratePerSecond: 5, durationMs: 5000, seed: "1", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
    nodeLimits: limits.node,
    controllerLimits: limits.controller,
    wallClockMs: 60_000,
    owner: testOwner("cluster"),
    ...overrides,
  });
}

/** Beats a chatter node logged: who sent, the sender's clock, our clock. */
export function beatsIn(log: string): Array<{ from: string; seq: number; sentMs: number; recvMs: number }> {
  return [...log.matchAll(/BEAT from=(\S+) seq=(\d+) sent_ms=([\d.]+) recv_ms=([\d.]+)/g)].map((m) => ({
    from: m[1]!,
    seq: Number(m[2]),
    sentMs: Number(m[3]),
    recvMs: Number(m[4]),
  }));
}

/** Runs a command in a running container; its stdout and stderr, together. */
export async function execIn(docker: Docker, containerId: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const { stdout, stderr } = demultiplex(Buffer.concat(chunks));
  return stdout + stderr;
}

/** A node's log in a cluster's result. */
export const logOf = (result: ClusterTestResult, id: string) => result.nodes.find((n) => n.id === id)!.log;

/** The first fault of this kind in the result's timeline (an error naming the timeline if there is none). */
export function faultEvent(result: ClusterTestResult, kind: string) {
  const found = result.faults.find((f) => f.kind === kind);
  if (!found) throw new Error(`no ${kind} in the fault timeline: ${JSON.stringify(result.faults)}`);
  return found;
}
