// The confinement every container we start gets: student code is hostile.
// Non-root, no capabilities, no privilege gain, read-only root with a small
// tmpfs, limits on memory, CPU, processes and log output. Network isolation
// (internal networks, no route to the host) is the cluster's and infra's job.
import type Docker from "dockerode";
import { SANDBOX_UID } from "./images/recipes.js";

export interface Limits {
  memoryBytes: number;
  /** CPUs, e.g. 0.5 for half a core. */
  cpus: number;
  pids: number;
  /** Size of the writable /tmp. */
  tmpfsBytes: number;
  /** Largest log Docker keeps for the container (its stdout + stderr). */
  logBytes: number;
}

export const SANDBOX_USER = `${SANDBOX_UID}:${SANDBOX_UID}`;

export function hardenedHostConfig(limits: Limits, extra: Docker.HostConfig = {}): Docker.HostConfig {
  return {
    CapDrop: ["ALL"],
    SecurityOpt: ["no-new-privileges"],
    ReadonlyRootfs: true,
    Tmpfs: { "/tmp": `rw,exec,nosuid,nodev,size=${limits.tmpfsBytes}` },
    // Docker's default /dev/shm is 64 MiB; keep it as small as /tmp.
    ShmSize: Math.min(limits.tmpfsBytes, 16 * 1024 * 1024),
    Memory: limits.memoryBytes,
    // No swap beyond the memory limit: an allocation bomb is killed, not paged.
    MemorySwap: limits.memoryBytes,
    NanoCpus: Math.round(limits.cpus * 1e9),
    PidsLimit: limits.pids,
    Ulimits: [
      { Name: "nofile", Soft: 1024, Hard: 1024 },
      { Name: "fsize", Soft: 256 * 1024 * 1024, Hard: 256 * 1024 * 1024 },
    ],
    LogConfig: { Type: "json-file", Config: { "max-size": String(limits.logBytes), "max-file": "1" } },
    Init: false,
    Privileged: false,
    AutoRemove: false,
    ...extra,
  };
}
