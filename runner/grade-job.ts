// The grade job: one GradingJob from its start to its one outcome. It starts
// an attempt (lib/grading/attempts.ts: exactly one live attempt per job, one
// outcome), builds the submission (build-step.ts), runs every test (each
// repetition on a fresh cluster, test-run.ts) and judges it (judge.ts), keeps
// what each run left (lib/grading/record-run.ts), and records the outcome:
// GRADED with the late policy applied, BUILD_FAILED, TIMED_OUT past the
// grading's budget with the points of the runs that finished, CANCELLED when
// asked, or our failure, retried by time (recordFailure). Everything the
// engine does goes through a GradingSandbox (grading-sandbox.ts).
import type Docker from "dockerode";
import { UnrecoverableError } from "bullmq";
import { getBlobOrThrow } from "../lib/blobs.js";
import { isConnectionLoss, waitForDatabase, type Db, type Prisma } from "../lib/db.js";
import { CancelledError, errorMessage, InfraError } from "../lib/errors.js";
import {
  AttemptInProgress,
  CourseAtCapacity,
  finishAttempt,
  recordFailure,
  renewHeartbeat,
  RetryGrading,
  startAttempt,
  Superseded,
  whileCurrent,
} from "../lib/grading/attempts.js";
import { dueDateFor, scoreAfterLatePolicy } from "../lib/grading/late-policy.js";
import { recordRun } from "../lib/grading/record-run.js";
import { seedsFor } from "../lib/grading/seeds.js";
import { ATTEMPT_HEARTBEAT_MS, isFinalJobStatus } from "../lib/jobs/grading-job.js";
import { raftHarnessOverlay } from "../lib/labs/mit-6.5840/harness-overlay.js";
import { RAFT_WORKLOAD, suiteSpecSchema } from "../lib/suites/schema.js";
import type { ShaperKind } from "../sandbox/shaping.js";
import { buildStep } from "./build-step.js";
import { dockerSandbox, type GradingSandbox } from "./grading-sandbox.js";
import { judge } from "./judge.js";
import type { RunnerLimits } from "./limits.js";
import { testRunRequest } from "./test-run.js";

export { AttemptInProgress, CourseAtCapacity, RetryGrading };

interface GradeDepsCommon {
  db: Db;
  runnerId: string;
  limits: RunnerLimits;
  /** How this runner delays packets (probed at start, sandbox/capabilities.ts); default none. */
  shaper?: ShaperKind;
  /** Called on every state change, for live progress. */
  publish?: (submissionId: string, event: Record<string, unknown>) => void;
  log?: (line: string) => void;
  /** How often the attempt renews its heartbeat (default ATTEMPT_HEARTBEAT_MS; tests stretch it to play a stalled attempt). */
  attemptHeartbeatMs?: number;
}

/** The runner's engine (the grading goes through dockerSandbox), or a sandbox of its own (a test's stand-in). */
export type GradeDeps = GradeDepsCommon & ({ docker: Docker; sandbox?: GradingSandbox } | { docker?: undefined; sandbox: GradingSandbox });

/** Prisma's messages end with the driver's own words, after a code frame. */
const lastLine = (message: string) => message.trim().split("\n").filter((l) => l.trim() !== "").pop() ?? message;

/** How long the catch waits for the engine to answer before it calls the failure an engine outage. */
const ENGINE_PING_TIMEOUT_MS = 5000;

/** What an attempt that did not finish met, as our failure (the student's failures are results, never thrown). */
function asOurFailure(err: unknown, lostDatabase: boolean): InfraError {
  if (err instanceof InfraError) return err;
  // Stopped, but not by a request, the budget or the engine monitor (those are decided before): ours.
  if (err instanceof CancelledError) return new InfraError("runner.stopped", `the grading was stopped: ${err.message}`, { cause: err });
  if (lostDatabase) return new InfraError("database.unavailable", `the database became unreachable: ${lastLine(errorMessage(err))}`, { cause: err });
  return new InfraError("runner.unexpected", errorMessage(err), { cause: err });
}

const protocolOf = (lab: { protocol: string }) => (lab.protocol === "NATIVE" ? ("native" as const) : ("maelstrom" as const));
/** Our own files a lab's build lays over the student's: a Raft lab's harness (lib/labs/mit-6.5840). */
const overlayOf = async (lab: { workload: string }) => (lab.workload === RAFT_WORKLOAD ? raftHarnessOverlay() : undefined);

export async function gradeJob(
  deps: GradeDeps,
  gradingJobId: string,
  opts: {
    /** Aborted when staff or the student cancel. */
    signal?: AbortSignal;
    /** Aborted when the runner finds its engine no longer answering: the attempt ends as our failure. */
    engineLost?: AbortSignal;
  } = {},
): Promise<void> {
  const { db } = deps;
  const job = await db.gradingJob.findUnique({
    where: { id: gradingJobId },
    include: { submission: { include: { lab: true } }, suiteVersion: true },
  });
  if (!job) throw new UnrecoverableError(`grading job ${gradingJobId} does not exist`);
  if (isFinalJobStatus(job.status)) return; // already recorded
  const suite = suiteSpecSchema.safeParse(job.suiteVersion.spec);
  if (!suite.success) throw new UnrecoverableError(`suite version ${job.suiteVersionId} is invalid: ${suite.error.message}`);
  const { submission } = job;
  const lab = submission.lab;

  // The engine this attempt runs on is recorded with it, so a later attempt
  // finds what this one left wherever it ran (engine-leftovers.ts).
  // (An engine that does not answer fails the attempt at its first step instead, recorded as ours.)
  const sandbox = deps.sandbox ?? dockerSandbox({ db, docker: deps.docker!, runnerId: deps.runnerId, log: deps.log });
  const engine = await sandbox.engine();
  const started = await startAttempt(db, job.id, submission, deps.runnerId, engine);
  if (started.kind === "final") return;
  if (started.kind === "live") throw new AttemptInProgress(started.number, started.runnerId, started.staleInMs);
  if (started.kind === "at-capacity") {
    await db.submission.updateMany({
      where: { id: submission.id, status: "QUEUED" },
      data: { statusDetail: `waiting: the course is running its limit of ${started.cap} grading${started.cap === 1 ? "" : "s"} at once` },
    });
    throw new CourseAtCapacity(started.cap);
  }
  const { attempt } = started;
  deps.log?.(`job ${job.id}: attempt ${attempt.number} on ${deps.runnerId}`);
  deps.publish?.(submission.id, { status: "BUILDING" });

  const owner = { runnerId: deps.runnerId, jobId: job.id, attemptId: attempt.id, owner: `${submission.courseId}/${submission.userId}` };
  let volume: string | undefined;
  // Docker resources go before the outcome is recorded: once a submission
  // reads as finished, nothing of it is left running.
  const release = async () => {
    const v = volume;
    volume = undefined;
    if (v) await sandbox.removeVolume(v);
  };
  // The whole grading's wall-clock budget: past it, whatever runs is stopped
  // and the submission is TIMED_OUT with the points of the runs that finished.
  const overBudget = AbortSignal.timeout(deps.limits.submissionBudgetMs);
  // Renewed while the attempt runs; when the renewal finds the attempt closed,
  // another attempt has taken the job over, and this one stops.
  const superseded = new AbortController();
  const heartbeat = setInterval(() => {
    void renewHeartbeat(db, attempt.id)
      .then((renewed) => !renewed && superseded.abort())
      .catch(() => undefined); // the database is away: the attempt waits for it elsewhere
  }, deps.attemptHeartbeatMs ?? ATTEMPT_HEARTBEAT_MS);
  const signal = AbortSignal.any([overBudget, superseded.signal, ...(opts.signal ? [opts.signal] : []), ...(opts.engineLost ? [opts.engineLost] : [])]);
  /** A progress write, made only while this attempt is the job's open one; otherwise the attempt stops. */
  const progress = async (data: Prisma.SubmissionUpdateInput) => {
    const written = await whileCurrent(db, job.id, attempt.id, async (tx) => {
      await tx.submission.update({ where: { id: submission.id }, data });
      return true;
    });
    if (!written) {
      superseded.abort();
      throw new Superseded();
    }
  };
  const passesByTest = new Map<string, number>();
  const points = () => suite.data.tests.reduce((sum, test) => sum + (test.points * (passesByTest.get(test.name) ?? 0)) / test.repetitions, 0);
  const possible = suite.data.tests.reduce((sum, test) => sum + test.points, 0);
  let finishedRuns = 0;
  let totalRuns = 0;
  try {
    // Earlier attempts may have left containers of this job behind: a runner
    // that died mid-job, or an attempt whose engine stopped answering under it
    // (its teardown could not reach the engine). They are all closed now (the
    // start refused to run beside a live one), so all of it goes, on whichever
    // engine it ran (or it is recorded for a runner of that engine); and what
    // others recorded as left on this engine goes too.
    if (engine) await sandbox.reapEarlierAttempts(job.id, attempt.id, engine);
    const build = await buildStep(sandbox, {
      upload: await getBlobOrThrow(db, submission.archiveKey),
      lab,
      overlay: await overlayOf(lab),
      limits: deps.limits,
      owner: { ...owner, test: "build" },
      signal,
    });
    volume = build.volume;
    if (!build.ok) {
      await release();
      const claimed = await finishAttempt(db, job.id, attempt.id, submission.id, {
        outcome: "BUILD_FAILED",
        submission: { status: "BUILD_FAILED", statusDetail: build.reason, buildLog: build.log, score: 0, finalScore: 0, suiteVersionId: job.suiteVersionId },
      });
      if (claimed) deps.publish?.(submission.id, { status: "BUILD_FAILED" });
      return;
    }
    await progress({ buildLog: build.log });

    const runs = suite.data.tests.flatMap((test) => seedsFor(test).map((seed, repetition) => ({ test, seed, repetition })));
    totalRuns = runs.length;
    for (const [i, run] of runs.entries()) {
      if (signal.aborted) throw new CancelledError("the grading was stopped");
      const detail = `running test ${i + 1}/${runs.length}: ${run.test.name}${run.test.repetitions > 1 ? ` (repetition ${run.repetition + 1})` : ""}`;
      await progress({ status: "RUNNING", statusDetail: detail });
      deps.publish?.(submission.id, { status: "RUNNING", detail });
      const started = Date.now();
      const cluster = await sandbox.runTest(
        testRunRequest({
          test: run.test,
          seed: run.seed,
          buildVolume: build.volume,
          lab: { runImage: lab.runImage, runCommand: lab.runCommand, protocol: protocolOf(lab) },
          limits: deps.limits,
          shaper: deps.shaper ?? "none",
          owner: { ...owner, test: run.test.name },
          signal,
        }),
      );
      const judged = judge(run.test, cluster, protocolOf(lab));
      if (judged.verdict === "PASS") passesByTest.set(run.test.name, (passesByTest.get(run.test.name) ?? 0) + 1);
      await recordRun(db, attempt.id, {
        ...run,
        ...judged,
        faults: cluster.faults,
        logs: [
          ...cluster.nodes.map((n) => ({ name: `${n.id}.log`, text: n.log, truncated: n.logTruncated })),
          { name: "controller.log", text: cluster.controllerLog, truncated: false },
        ],
        journal: cluster.journal,
        durationMs: Date.now() - started,
      });
      finishedRuns++;
      deps.publish?.(submission.id, { test: run.test.name, repetition: run.repetition, verdict: judged.verdict });
    }
    const earned = points();
    const finalScore = scoreAfterLatePolicy(earned, lab, submission.createdAt, await dueDateFor(db, lab, submission.userId));
    await release();
    const claimed = await finishAttempt(db, job.id, attempt.id, submission.id, {
      outcome: "GRADED",
      submission: {
        status: "GRADED",
        statusDetail: earned === possible ? "all tests passed" : "graded",
        score: earned,
        maxScore: possible,
        finalScore,
        // A regrade's suite version becomes the submission's.
        suiteVersionId: job.suiteVersionId,
      },
    });
    if (claimed) deps.publish?.(submission.id, { status: "GRADED", score: earned, maxScore: possible });
    else deps.log?.(`job ${job.id}: attempt ${attempt.number} finished after another attempt took the job over; its results do not count`);
  } catch (err) {
    if (superseded.signal.aborted || err instanceof Superseded) {
      await release().catch(() => undefined);
      deps.log?.(`job ${job.id}: attempt ${attempt.number} was taken for lost and another attempt took the job over; it records nothing`);
      return;
    }
    const engineLost = opts.engineLost?.aborted === true;
    // Whichever step met the abort (the sandbox throws CancelledError where it did), only the request makes it a cancellation.
    const cancelled = !engineLost && opts.signal?.aborted === true;
    if (overBudget.aborted && !cancelled && !engineLost) {
      const earned = points();
      await release().catch(() => undefined);
      await finishAttempt(db, job.id, attempt.id, submission.id, {
        outcome: "TIMED_OUT",
        submission: {
          status: "TIMED_OUT",
          statusDetail: `grading took longer than its budget of ${Math.round(deps.limits.submissionBudgetMs / 1000)} s; ${finishedRuns} of ${totalRuns || "the"} test runs finished`,
          score: earned,
          maxScore: possible,
          finalScore: scoreAfterLatePolicy(earned, lab, submission.createdAt, await dueDateFor(db, lab, submission.userId)),
          suiteVersionId: job.suiteVersionId,
        },
      });
      deps.publish?.(submission.id, { status: "TIMED_OUT" });
      return;
    }
    const lostDatabase = !(err instanceof InfraError) && isConnectionLoss(err);
    let infra = asOurFailure(err, lostDatabase);
    await release().catch(() => undefined);
    // Whatever call met it, an engine that does not answer is the cause.
    const answer = engineLost ? { ok: false as const, error: "the runner stopped getting answers from it" } : await sandbox.ping(ENGINE_PING_TIMEOUT_MS);
    if (!answer.ok && !lostDatabase) {
      infra = new InfraError("engine.unavailable", `the Docker engine stopped answering (${answer.error}): ${infra.message}`, { cause: err });
    }
    // Nothing of a failed attempt stays: what its teardown left goes now,
    // while this attempt is still the job's open one (so no other attempt of
    // the job can be running). An engine that does not answer is swept when
    // it answers again (runner/worker.ts), or by the job's next attempt.
    if (answer.ok) await sandbox.reapOwnLeftovers(job.id).catch(() => undefined);
    // The outcome goes to the database, so it waits for the database to return.
    if (lostDatabase) await waitForDatabase(db, { log: deps.log });
    const recorded = await recordFailure(
      db,
      { jobId: job.id, attemptId: attempt.id, submissionId: submission.id },
      cancelled ? { code: "cancelled", message: "the grading was cancelled", cancelled } : { code: infra.code, message: infra.message, cancelled },
      { retryWindowMs: deps.limits.infraRetryWindowMs, retryMaxDelayMs: deps.limits.infraRetryMaxDelayMs },
    );
    if (!recorded.recorded) {
      deps.log?.(`job ${job.id}: attempt ${attempt.number} failed (${infra.code}) after another attempt took the job over; it records nothing`);
      return;
    }
    deps.publish?.(submission.id, { status: cancelled ? "CANCELLED" : recorded.retryInMs === undefined ? "INFRA_ERROR" : "QUEUED" });
    if (cancelled) throw new UnrecoverableError("cancelled");
    if (recorded.retryInMs === undefined) {
      throw new UnrecoverableError(`${infra.code}: ${infra.message} (failing on our side for ${Math.round(deps.limits.infraRetryWindowMs / 60_000)} min; not retried further)`);
    }
    throw new RetryGrading(recorded.retryInMs, infra);
  } finally {
    clearInterval(heartbeat);
    await release().catch(() => undefined);
  }
}

