// The build step: the normalised archive is unpacked into a fresh volume and
// built by the lab's build command in a throw-away container with no network,
// under time, memory, process and output limits. A failed build is the
// student's result (with the compiler's output), not our error; so is an
// archive the engine cannot unpack (lib/archive.ts refuses every such shape
// it knows, so this is the backstop). The volume, holding the source and
// build output, is what the cluster's nodes mount.
// Invariant: on every path out, the build container is removed before its
// volume (a volume a container still mounts cannot be removed, and leaked).
import type Docker from "dockerode";
import { CancelledError, InfraError } from "../lib/errors.js";
import { readOutput, truncateMiddle, waitForExit } from "./container-io.js";
import { hardenedHostConfig, SANDBOX_USER, type Limits } from "./hardening.js";
import { labelsFor, type ResourceOwner } from "./labels.js";
import { createBoundedVolume, removeVolume } from "./volumes.js";
import { BUILD_ENV, buildScript } from "../lib/toolchains.js";

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
/** Longest reason shown with a failed build (the engine's message may quote a 4 KiB path). */
const REASON_BYTES = 600;

/**
 * The engine unpacks an archive in a child process of its own (chrooted into
 * the target folder) and, when that child fails on an entry, answers
 * "Error processing tar file(exit status 1): <the child's error>", e.g.
 * "open /work/src/a/b: not a directory" (HTTP 500 on Engine 20.10; newer
 * engines may answer 400). That is the archive's fault: the student's.
 */
const UNPACK_REFUSED = /Error processing tar file\(exit status 1\): (.+)$/s;
/** The same answer about the host's own resources (memory, file handles, a broken disk) is ours. */
const HOST_TROUBLE = /cannot allocate memory|too many open files|resource temporarily unavailable|input\/output error|read-only file system|no such device/i;

/**
 * The engine's words when it could not unpack the archive itself; undefined
 * when the failure is ours: no answer at all (ECONNREFUSED, ECONNRESET, a
 * socket that hung up: the engine is down or restarting), any other status
 * (the container vanished, ...), an unpack child killed by a signal, or the
 * host's own trouble. Those stay infrastructure errors: retried, never charged.
 */
export function unpackRefusal(err: unknown): string | undefined {
  const { statusCode, json } = (err ?? {}) as { statusCode?: unknown; json?: { message?: unknown } | null };
  if (statusCode !== 400 && statusCode !== 500) return undefined;
  const message = typeof json?.message === "string" ? json.message : err instanceof Error ? err.message : "";
  const refused = UNPACK_REFUSED.exec(message.trim())?.[1]?.trim();
  if (!refused || HOST_TROUBLE.test(refused)) return undefined;
  return refused;
}

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
      Cmd: ["/bin/sh", "-c", buildScript(req.command)],
      User: SANDBOX_USER,
      WorkingDir: "/work/src",
      Env: BUILD_ENV,
      Labels: labels,
      NetworkDisabled: true,
      HostConfig: hardenedHostConfig(req.limits, {
        NetworkMode: "none",
        Mounts: [{ Type: "volume", Source: volume, Target: "/work", ReadOnly: false }],
      }),
    });
    // /work is a volume, so the archive API may write there although the
    // container's root file system is read-only.
    try {
      await container.putArchive(req.tar, { path: "/work" });
    } catch (err) {
      const refused = unpackRefusal(err);
      if (refused === undefined) throw err;
      const log = `the archive could not be unpacked into /work: ${refused}`;
      return { ok: false, volume, log, reason: truncateMiddle(log, REASON_BYTES).text, durationMs: Date.now() - started };
    }
    await container.start();
    const timeout = AbortSignal.timeout(req.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const exit = await waitForExit(container, signal);
    if (!exit) await container.kill().catch(() => undefined);
    const output = await readOutput(container);
    const log = truncateMiddle(output.stdout + output.stderr, BUILD_LOG_BYTES).text;
    const state = (await container.inspect()).State;
    const durationMs = Date.now() - started;
    if (req.signal?.aborted) throw new CancelledError("the build was stopped");
    if (!exit) return { ok: false, volume, log, reason: `build killed after ${Math.round(req.timeoutMs / 1000)} s (time limit)`, durationMs };
    if (state.OOMKilled) {
      return { ok: false, volume, log, reason: `build exceeded its memory limit (${req.limits.memoryBytes / 1024 / 1024} MiB)`, durationMs };
    }
    if (exit.StatusCode !== 0) return { ok: false, volume, log, reason: `build command exited with status ${exit.StatusCode}`, durationMs };
    return { ok: true, volume, log, durationMs };
  } catch (err) {
    await container?.remove({ force: true }).catch(() => undefined);
    container = undefined;
    await removeVolume(docker, volume);
    if (err instanceof InfraError || err instanceof CancelledError) throw err;
    throw new InfraError("docker.build", `the build container failed: ${String(err)}`, { cause: err });
  } finally {
    await container?.remove({ force: true }).catch(() => undefined);
  }
}

export { removeVolume };

export function randomSuffix(): string {
  return Math.random().toString(16).slice(2, 10) + Date.now().toString(16).slice(-4);
}
