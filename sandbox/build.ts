// The build step: the normalised archive is unpacked into a fresh volume and
// built by the lab's build command in a throw-away container with no network,
// under time, memory, process and output limits. A failed build is the
// student's result (with the compiler's output), not our error. The volume,
// holding the source and build output, is what the cluster's nodes mount.
import type Docker from "dockerode";
import { InfraError } from "../lib/errors.js";
import { readOutput, truncateMiddle, waitForExit } from "./container-io.js";
import { hardenedHostConfig, SANDBOX_USER, type Limits } from "./hardening.js";
import { labelsFor, type ResourceOwner } from "./labels.js";
import { createBoundedVolume, removeVolume } from "./volumes.js";
import { GO_STD_CACHE } from "./images/recipes.js";

export interface BuildRequest {
  /** Normalised tar from lib/archive.ts (entries under src/). */
  tar: Buffer;
  image: string;
  /** Shell command, run in /work/src. May write to /work/out. */
  command: string;
  timeoutMs: number;
  limits: Limits;
  /** Size of /work (source and build output), which the test nodes then mount read-only. */
  workBytes?: number;
  owner: ResourceOwner;
  signal?: AbortSignal;
}

export type BuildResult =
  | { ok: true; volume: string; log: string; durationMs: number }
  | { ok: false; volume: string; log: string; reason: string; durationMs: number };

/** Default size of a build's /work volume. */
export const DEFAULT_WORK_BYTES = 512 * 1024 * 1024;

/** Maximum build output kept for the student. */
const BUILD_LOG_BYTES = 64 * 1024;

export async function buildSubmission(docker: Docker, req: BuildRequest): Promise<BuildResult> {
  const started = Date.now();
  const labels = labelsFor(req.owner);
  let volume: string;
  try {
    // Bounded: a hostile build cannot fill the host's disk through /work.
    volume = await createBoundedVolume(docker, { name: `lg-build-${randomSuffix()}`, sizeBytes: req.workBytes ?? DEFAULT_WORK_BYTES, labels, holderImage: req.image });
  } catch (err) {
    throw new InfraError("docker.volume_create", `could not create the build volume: ${String(err)}`, { cause: err });
  }
  let container: Docker.Container | undefined;
  try {
    container = await docker.createContainer({
      Image: req.image,
      // Go images bring a prebuilt standard library cache; each build starts from its own copy.
      Cmd: ["/bin/sh", "-c", `mkdir -p /work/out && if [ -d ${GO_STD_CACHE} ]; then cp -r ${GO_STD_CACHE} /tmp/go-cache; fi && cd /work/src && ${req.command}`],
      User: SANDBOX_USER,
      WorkingDir: "/work/src",
      Env: ["HOME=/tmp", "GOCACHE=/tmp/go-cache", "GOPATH=/tmp/go", "TMPDIR=/tmp"],
      Labels: labels,
      NetworkDisabled: true,
      HostConfig: hardenedHostConfig(req.limits, {
        NetworkMode: "none",
        Mounts: [{ Type: "volume", Source: volume, Target: "/work", ReadOnly: false }],
      }),
    });
    // /work is a volume, so the archive API may write there although the
    // container's root file system is read-only.
    await container.putArchive(req.tar, { path: "/work" });
    await container.start();
    const timeout = AbortSignal.timeout(req.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const exit = await waitForExit(container, signal);
    if (!exit) await container.kill().catch(() => undefined);
    const output = await readOutput(container);
    const log = truncateMiddle(output.stdout + output.stderr, BUILD_LOG_BYTES).text;
    const state = (await container.inspect()).State;
    const durationMs = Date.now() - started;
    if (req.signal?.aborted) throw new InfraError("cancelled", "the build was cancelled");
    if (!exit) return { ok: false, volume, log, reason: `build killed after ${Math.round(req.timeoutMs / 1000)} s (time limit)`, durationMs };
    if (state.OOMKilled) {
      return { ok: false, volume, log, reason: `build exceeded its memory limit (${req.limits.memoryBytes / 1024 / 1024} MiB)`, durationMs };
    }
    if (exit.StatusCode !== 0) return { ok: false, volume, log, reason: `build command exited with status ${exit.StatusCode}`, durationMs };
    return { ok: true, volume, log, durationMs };
  } catch (err) {
    await removeVolume(docker, volume);
    if (err instanceof InfraError) throw err;
    throw new InfraError("docker.build", `the build container failed: ${String(err)}`, { cause: err });
  } finally {
    await container?.remove({ force: true }).catch(() => undefined);
  }
}

export { removeVolume };

export function randomSuffix(): string {
  return Math.random().toString(16).slice(2, 10) + Date.now().toString(16).slice(-4);
}
