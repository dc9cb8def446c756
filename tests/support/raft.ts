// Raft references on real clusters, for the Raft tests and bench/raft-suite.ts:
// a reference built as a student's upload (the skeleton fixture with its Raft
// inside, our harness laid over it, as the build step does), and one course
// test run by the distributed tester and judged as the runner judges it.
import path from "node:path";
import type Docker from "dockerode";
import { normaliseArchive } from "../../lib/archive.js";
import { raftHarnessOverlay } from "../../lib/labs/mit-6.5840/harness-overlay.js";
import { RAFT_BUILD } from "../../lib/labs/mit-6.5840/labs.js";
import { packRaftUpload, RAFT_REFERENCES_DIR, type RaftLayout } from "../../lib/labs/mit-6.5840/pack-raft.js";
import type { RaftTestName } from "../../lib/labs/mit-6.5840/raft-tests.js";
import { newSeed } from "../../lib/random.js";
import type { RaftTestSpec } from "../../lib/suites/schema.js";
import { judge, type Judged } from "../../runner/judge.js";
import { testRunRequest } from "../../runner/test-run.js";
import { buildSubmission, type BuildResult } from "../../sandbox/build.js";
import { runClusterTest, type ClusterTestResult } from "../../sandbox/cluster.js";
import { SANDBOX_UID } from "../../sandbox/images/recipes.js";
import type { ShaperKind } from "../../sandbox/shaping.js";
import { limits, testOwner } from "./sandbox.js";

/** A reference (a folder under lib/labs/mit-6.5840/references, e.g. raft-2025 or broken-2025/figure8) built as a student's upload. */
export async function buildRaftReference(docker: Docker, layout: RaftLayout, reference: string): Promise<BuildResult & { replaced: string[] }> {
  const upload = await packRaftUpload(layout, path.join(RAFT_REFERENCES_DIR, reference));
  const { tar, replaced } = await normaliseArchive(upload, SANDBOX_UID, undefined, await raftHarnessOverlay());
  const build = await onceMoreIfRefused(`the build of ${reference}`, () =>
    buildSubmission(docker, { tar, image: RAFT_BUILD.buildImage, command: RAFT_BUILD.buildCommand, timeoutMs: 240_000, limits: limits.build, owner: testOwner(`raft-build-${reference}`) }),
  );
  return { ...build, replaced };
}

/** One course test on a real cluster with a build of a Raft, judged; `seed` defaults to a fresh one. */
export async function runRaftCourseTest(
  docker: Docker,
  opts: { buildVolume: string; test: RaftTestName; shaper: ShaperKind; seed?: string; owner?: string },
): Promise<{ judged: Judged; cluster: ClusterTestResult; seed: string; wallMs: number }> {
  const test: RaftTestSpec = { name: opts.test.toLowerCase(), workload: "raft", raft: opts.test, points: 1, visibility: "always", repetitions: 1 };
  const seed = opts.seed ?? newSeed();
  let started = 0;
  const cluster = await onceMoreIfRefused(`${opts.test} (seed ${seed})`, () => {
    started = Date.now();
    return runClusterTest(
      docker,
      testRunRequest({
        test,
        seed,
        buildVolume: opts.buildVolume,
        lab: { runImage: RAFT_BUILD.runImage, runCommand: RAFT_BUILD.runCommand, protocol: "native" },
        limits,
        shaper: opts.shaper,
        owner: testOwner(opts.owner ?? `raft-${opts.test}`),
      }),
    );
  });
  return { judged: judge(test, cluster, "native"), cluster, seed, wallMs: Date.now() - started };
}

/**
 * `f`, and once more when the engine refused one of its requests (e.g. "OCI runtime start failed:
 * container process is already dead" or "cannot start a stopped process" on a loaded machine): no
 * verdict was reached. The runner retries such a grading; so do we, once, and say so.
 */
async function onceMoreIfRefused<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (!refusedByEngine(err)) throw err;
    console.warn(`${what}: the Docker engine refused it (${(err as Error).message.slice(0, 200)}); running it once more, the same way`);
    return f();
  }
}

/** An error answered by the Docker engine itself (dockerode's statusCode), on the error or its cause. */
function refusedByEngine(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    const { statusCode } = e as Error & { statusCode?: unknown };
    if (typeof statusCode === "number") return statusCode >= 500;
  }
  return false;
}
