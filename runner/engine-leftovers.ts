// What earlier attempts of a job left in Docker, on whichever engine they ran.
// Runners may drive different engines (README, "More runners"); each attempt
// records its engine (sandbox/engine.ts), and every resource it creates
// carries its attempt id (sandbox/labels.ts). Before a runner grades a job it
// removes what the job's earlier attempts left:
//   - on its own engine, at once (as before engines were recorded);
//   - on another engine, itself, when it can reach that engine over TLS with
//     its own client certificate and the engine shows the recorded ID;
//   - otherwise it leaves an EngineLeftovers row naming the attempt, and a
//     runner of that engine removes them before its next grading.
// Removing by attempt id never touches a later attempt's resources, so a row
// may be acted on at any time after its attempt finished.
import type Docker from "dockerode";
import type { Db } from "../lib/db.js";
import { errorMessage } from "../lib/errors.js";
import { connectPeerEngine, type EngineIdentity } from "../sandbox/engine.js";
import { reapAttemptLeftovers, type EarlierAttempt } from "../sandbox/reaper.js";

export interface LeftoversDeps {
  db: Db;
  /** This runner's engine. */
  docker: Docker;
  engine: EngineIdentity;
  log?: (line: string) => void;
}

interface RecordedAttempt extends EarlierAttempt {
  engineId: string | null;
  engineEndpoint: string | null;
}

/** Removes what the job's earlier attempts left, here or on their engines, or records it for a runner of that engine. */
export async function reapEarlierAttempts(deps: LeftoversDeps, jobId: string, currentAttemptId: string): Promise<void> {
  const earlier: RecordedAttempt[] = await deps.db.gradingAttempt.findMany({
    where: { jobId, id: { not: currentAttemptId } },
    select: { id: true, runnerId: true, engineId: true, engineEndpoint: true },
  });
  // Attempts recorded before engines were (engineId null) ran here as far as anyone knows.
  const here = earlier.filter((a) => a.engineId === null || a.engineId === deps.engine.id);
  if (here.length > 0) {
    await reapAttemptLeftovers(deps.docker, jobId, here);
    await deps.db.engineLeftovers.deleteMany({ where: { attemptId: { in: here.map((a) => a.id) } } });
  }
  const elsewhere = new Map<string, RecordedAttempt[]>();
  for (const a of earlier) {
    if (a.engineId === null || a.engineId === deps.engine.id) continue;
    const key = `${a.engineId} ${a.engineEndpoint}`;
    elsewhere.set(key, [...(elsewhere.get(key) ?? []), a]);
  }
  for (const attempts of elsewhere.values()) {
    const engine = { id: attempts[0]!.engineId!, endpoint: attempts[0]!.engineEndpoint ?? "" };
    // Already recorded for that engine's runners: asking again would only wait for the same answer.
    const recorded = await deps.db.engineLeftovers.count({ where: { attemptId: { in: attempts.map((a) => a.id) } } });
    if (recorded === attempts.length) continue;
    const peer = await connectPeerEngine(deps.docker, engine);
    let reason = "unreachable" in peer ? `engine ${engine.id} at ${engine.endpoint}: ${peer.unreachable}` : undefined;
    if ("docker" in peer) {
      try {
        const report = await reapAttemptLeftovers(peer.docker, jobId, attempts);
        if (report.remaining > 0) reason = `engine ${engine.id} at ${engine.endpoint} kept ${report.remaining} of them`;
        else {
          await deps.db.engineLeftovers.deleteMany({ where: { attemptId: { in: attempts.map((a) => a.id) } } });
          const removed = report.containers + report.networks + report.volumes;
          if (removed > 0) deps.log?.(`job ${jobId}: removed ${removed} leftovers of earlier attempts on engine ${engine.id} (${engine.endpoint})`);
        }
      } catch (err) {
        reason = `engine ${engine.id} at ${engine.endpoint}: ${errorMessage(err)}`;
      }
    }
    if (reason === undefined) continue;
    for (const a of attempts) {
      await deps.db.engineLeftovers.upsert({ where: { attemptId: a.id }, create: { attemptId: a.id, reason }, update: { reason } });
    }
    deps.log?.(`job ${jobId}: leftovers of earlier attempts wait for a runner of ${reason}`);
  }
}

/** Removes what the runners that took jobs over recorded as left on this engine. */
export async function reapRecordedLeftovers(deps: LeftoversDeps): Promise<number> {
  const rows = await deps.db.engineLeftovers.findMany({
    where: { attempt: { engineId: deps.engine.id } },
    select: { attempt: { select: { id: true, jobId: true, runnerId: true } } },
  });
  let cleared = 0;
  for (const { attempt } of rows) {
    const report = await reapAttemptLeftovers(deps.docker, attempt.jobId, [attempt]);
    if (report.remaining > 0) continue;
    await deps.db.engineLeftovers.deleteMany({ where: { attemptId: attempt.id } });
    cleared++;
  }
  if (cleared > 0) deps.log?.(`removed what ${cleared} attempt${cleared === 1 ? "" : "s"} of jobs taken over elsewhere left on this engine`);
  return cleared;
}
