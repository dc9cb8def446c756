// What a grading asks of the Docker side, as one small interface: the seam
// between the grade job's orchestration (grade-job.ts: attempts, budget,
// outcome) and the engine. The runner uses dockerSandbox over its engine;
// tests/integration/grade-job.test.ts grades against a hand-written stand-in
// that plays builds, runs and failures without Docker.
import type Docker from "dockerode";
import type { Db } from "../lib/db.js";
import { errorMessage } from "../lib/errors.js";
import { buildSubmission, removeVolume, type BuildRequest, type BuildResult } from "../sandbox/build.js";
import { pingEngine } from "../sandbox/capabilities.js";
import { runClusterTest, type ClusterTestRequest, type ClusterTestResult } from "../sandbox/cluster.js";
import { engineOf, type EngineIdentity } from "../sandbox/engine.js";
import { reapJobLeftovers } from "../sandbox/reaper.js";
import { reapEarlierAttempts, reapRecordedLeftovers } from "./engine-leftovers.js";

export interface GradingSandbox {
  /** The engine's identity (recorded with the attempt); undefined when it does not answer. */
  engine(): Promise<EngineIdentity | undefined>;
  /**
   * Removes what the job's earlier attempts left, on whichever engine they ran
   * (or records it for a runner of that engine), and what others recorded as
   * left on this one.
   */
  reapEarlierAttempts(jobId: string, currentAttemptId: string, engine: EngineIdentity): Promise<void>;
  build(req: BuildRequest): Promise<BuildResult>;
  runTest(req: ClusterTestRequest): Promise<ClusterTestResult>;
  removeVolume(volume: string): Promise<void>;
  /** Whether the engine answers within `timeoutMs`, and if not what the attempt met. */
  ping(timeoutMs: number): Promise<{ ok: true } | { ok: false; error: string }>;
  /** Removes what this runner left of the job (after a failed attempt, while it is still the job's). */
  reapOwnLeftovers(jobId: string): Promise<void>;
}

export function dockerSandbox(deps: { db: Db; docker: Docker; runnerId: string; log?: (line: string) => void }): GradingSandbox {
  const { docker } = deps;
  return {
    engine: () => engineOf(docker).catch(() => undefined),
    async reapEarlierAttempts(jobId, currentAttemptId, engine) {
      await reapEarlierAttempts({ ...deps, engine }, jobId, currentAttemptId);
      await reapRecordedLeftovers({ ...deps, engine }).catch((err: unknown) => deps.log?.(`recorded leftovers not removed yet: ${errorMessage(err)}`));
    },
    build: (req) => buildSubmission(docker, req),
    runTest: (req) => runClusterTest(docker, req),
    removeVolume: (volume) => removeVolume(docker, volume),
    ping: (timeoutMs) => pingEngine(docker, timeoutMs),
    reapOwnLeftovers: async (jobId) => {
      await reapJobLeftovers(docker, jobId, new Set([deps.runnerId]));
    },
  };
}
