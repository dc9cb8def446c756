// Removes what a dead or restarted runner left in the Docker engine. Every
// resource we create carries labels (labels.ts); a resource is reaped when its
// runner is known to be dead, or when it is older than the longest any
// grading may run. A runner this database has never heard of may belong to
// another deployment sharing the engine (or to a test), so only age reaps it.
import type Docker from "dockerode";
import { MANAGED_LABEL } from "./labels.js";

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
