// Removes what a dead or restarted runner left in the Docker engine. Every
// resource we create carries labels (labels.ts); a resource is reaped when its
// runner is known to be dead, or when it is older than the longest any
// grading may run. A runner this database has never heard of may belong to
// another deployment sharing the engine (or to a test), so only age reaps it.
import type Docker from "dockerode";
import { ATTEMPT_LABEL, MANAGED_LABEL } from "./labels.js";

export interface ReapOptions {
  /** Runner ids whose heartbeat stopped: their resources are reaped at once. */
  deadRunnerIds: Set<string>;
  /** Anything older than this is reaped regardless of owner. */
  maxAgeMs: number;
  now?: number;
}

export interface ReapReport {
  containers: number;
  networks: number;
  volumes: number;
}

function shouldReap(labels: Record<string, string> | undefined, opts: ReapOptions): boolean {
  if (!labels || labels[MANAGED_LABEL] !== "1") return false;
  const created = Number(labels["labgrade.created-ms"] ?? 0);
  const runner = labels["labgrade.runner"] ?? "";
  return opts.deadRunnerIds.has(runner) || (opts.now ?? Date.now()) - created > opts.maxAgeMs;
}

export async function reapLeftovers(docker: Docker, opts: ReapOptions): Promise<ReapReport> {
  const filters = JSON.stringify({ label: [`${MANAGED_LABEL}=1`] });
  const report: ReapReport = { containers: 0, networks: 0, volumes: 0 };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers
      .filter((c) => shouldReap(c.Labels, opts))
      .map(async (c) => {
        await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
        report.containers++;
      }),
  );
  const networks = await docker.listNetworks({ filters });
  for (const n of networks.filter((n) => shouldReap(n.Labels, opts))) {
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
    report.networks++;
  }
  const { Volumes } = await docker.listVolumes({ filters });
  for (const v of (Volumes ?? []).filter((v) => shouldReap(v.Labels, opts))) {
    await docker.getVolume(v.Name).remove().catch(() => undefined);
    report.volumes++;
  }
  return report;
}

/** Removes everything the given runners created for one job (a job taken over from a dead runner). */
export async function reapJobLeftovers(docker: Docker, jobId: string, runnerIds: Set<string>): Promise<ReapReport> {
  const report: ReapReport = { containers: 0, networks: 0, volumes: 0 };
  if (runnerIds.size === 0) return report;
  const filters = JSON.stringify({ label: [`${MANAGED_LABEL}=1`, `labgrade.job=${jobId}`] });
  const mine = (labels: Record<string, string> | undefined) => runnerIds.has(labels?.["labgrade.runner"] ?? "");
  const containers = (await docker.listContainers({ all: true, filters })).filter((c) => mine(c.Labels));
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  report.containers = containers.length;
  for (const n of (await docker.listNetworks({ filters })).filter((n) => mine(n.Labels))) {
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
    report.networks++;
  }
  for (const v of ((await docker.listVolumes({ filters })).Volumes ?? []).filter((v) => mine(v.Labels))) {
    await docker.getVolume(v.Name).remove().catch(() => undefined);
    report.volumes++;
  }
  return report;
}

/** An earlier attempt of a job, as the database records it. */
export interface EarlierAttempt {
  id: string;
  runnerId: string;
}

/**
 * Removes what earlier attempts of one job left in this engine: resources labelled with one of
 * their attempt ids, and (made before resources carried the attempt) those of the job labelled
 * with one of their runners. Never touches a later attempt's resources, which carry its own id.
 * `remaining` counts what is still there afterwards (a removal the engine refused).
 */
export async function reapAttemptLeftovers(docker: Docker, jobId: string, attempts: EarlierAttempt[]): Promise<ReapReport & { remaining: number }> {
  const found = await attemptLeftovers(docker, jobId, attempts);
  await Promise.all(found.containers.map((id) => docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined)));
  for (const id of found.networks) await docker.getNetwork(id).remove().catch(() => undefined);
  for (const name of found.volumes) await docker.getVolume(name).remove().catch(() => undefined);
  const left = await attemptLeftovers(docker, jobId, attempts);
  return {
    containers: found.containers.length,
    networks: found.networks.length,
    volumes: found.volumes.length,
    remaining: left.containers.length + left.networks.length + left.volumes.length,
  };
}

/** The ids of what `reapAttemptLeftovers` would remove. */
export async function attemptLeftovers(docker: Docker, jobId: string, attempts: EarlierAttempt[]): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  if (attempts.length === 0) return { containers: [], networks: [], volumes: [] };
  const attemptIds = new Set(attempts.map((a) => a.id));
  const runnerIds = new Set(attempts.map((a) => a.runnerId));
  const filters = JSON.stringify({ label: [`${MANAGED_LABEL}=1`, `labgrade.job=${jobId}`] });
  const theirs = (labels: Record<string, string> | undefined) => {
    const attempt = labels?.[ATTEMPT_LABEL];
    return attempt ? attemptIds.has(attempt) : runnerIds.has(labels?.["labgrade.runner"] ?? "");
  };
  return {
    containers: (await docker.listContainers({ all: true, filters })).filter((c) => theirs(c.Labels)).map((c) => c.Id),
    networks: (await docker.listNetworks({ filters })).filter((n) => theirs(n.Labels)).map((n) => n.Id),
    volumes: ((await docker.listVolumes({ filters })).Volumes ?? []).filter((v) => theirs(v.Labels)).map((v) => v.Name),
  };
}

/** The jobs one runner still has containers, networks or volumes of (to sweep a failed attempt's leftovers once its engine answers again). */
export async function jobsWithLeftovers(docker: Docker, runnerId: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${MANAGED_LABEL}=1`, `labgrade.runner=${runnerId}`] });
  const labelled = [
    ...(await docker.listContainers({ all: true, filters })),
    ...(await docker.listNetworks({ filters })),
    ...((await docker.listVolumes({ filters })).Volumes ?? []),
  ];
  return [...new Set(labelled.map((r) => r.Labels?.["labgrade.job"]).filter((j): j is string => typeof j === "string" && j !== ""))];
}
