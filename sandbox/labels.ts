// Labels on everything the sandbox creates in a Docker engine (containers,
// networks, volumes). The reaper finds leftovers by these labels alone, so
// every create call in sandbox/ must pass `labelsFor(...)`.

export const MANAGED_LABEL = "labgrade.managed";
export const ATTEMPT_LABEL = "labgrade.attempt";

export interface ResourceOwner {
  /** The runner process that created the resource. */
  runnerId: string;
  /** Grading job (or another stable id for benchmarks and tests). */
  jobId: string;
  /** The GradingAttempt, when a grading creates it: what a runner taking the job over reaps, on whichever engine. */
  attemptId?: string;
  /** Test name within the suite, or "build". */
  test: string;
  /** Tenant and student, for operators reading `docker ps`. */
  owner: string;
}

export function labelsFor(owner: ResourceOwner): Record<string, string> {
  return {
    [MANAGED_LABEL]: "1",
    "labgrade.runner": owner.runnerId,
    "labgrade.job": owner.jobId,
    ...(owner.attemptId ? { [ATTEMPT_LABEL]: owner.attemptId } : {}),
    "labgrade.test": owner.test,
    "labgrade.owner": owner.owner,
    "labgrade.created-ms": String(Date.now()),
  };
}
