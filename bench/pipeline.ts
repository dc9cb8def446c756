// Benchmark: the whole grading pipeline on this machine, with real PostgreSQL,
// Redis, BullMQ and Docker (a scratch database and queue prefix of its own):
//   1. accepted → running: from the submission's commit to its attempt
//      starting on an idle runner (a Python echo lab with a 1-second test, one
//      submission at a time);
//   2. throughput: the echo and broadcast labs' correct Go references, K
//      submitted at once, graded by a runner with concurrency 1 and 2;
//      submissions per hour = K / (last finish − first accept);
//   3. overhead: each submission's start-to-finish time over its tests' own
//      configured time (duration + recovery), and over the measured cluster
//      runs (TestResult.durationMs, which include cluster setup and teardown);
//   4. deadline night: N students of one course each send M submissions at
//      once, one burst after another (Python echo, 1-s test), to a runner with
//      two slots: gradings per hour, each student's waits (median and worst
//      student), and each submission's queue estimate (as its page showed it
//      on acceptance, and once all were in) against when it really started.
// Prints figures; asserts nothing about time.
// Run: npx tsx bench/pipeline.ts [K=4] [--deadline-night-only] [--students N=6] [--submissions M=4]
import { parseArgs } from "node:util";
import { queuePlace } from "../lib/jobs/queue-place.js";
import { BUILTIN_LABS } from "../lib/labs/builtin.js";
import { quantile } from "../lib/metrics.js";
import { DEMO_COURSE_SLUG } from "../lib/seed/demo-course.js";
import { plannedTestMs, suiteSpecSchema } from "../lib/suites/schema.js";
import { createGradingStack, type GradingStack } from "../tests/support/grading-stack.js";

const USAGE = "usage: npx tsx bench/pipeline.ts [submissions per throughput run, 1..50] [--deadline-night-only] [--students 1..200] [--submissions 1..50]";

function parseCommandLine() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      strict: true,
      options: {
        "deadline-night-only": { type: "boolean", default: false },
        students: { type: "string", default: "6" },
        submissions: { type: "string", default: "4" },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(64);
  }
  const count = (name: string, value: string, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      console.error(`${name} must be a whole number from 1 to ${max}, got "${value}"\n${USAGE}`);
      process.exit(64);
    }
    return n;
  };
  if (parsed.positionals.length > 1) {
    console.error(`one positional argument at most, got ${parsed.positionals.length}\n${USAGE}`);
    process.exit(64);
  }
  return {
    k: count("submissions per throughput run", parsed.positionals[0] ?? "4", 50),
    deadlineNightOnly: parsed.values["deadline-night-only"],
    students: count("--students", parsed.values.students, 200),
    submissionsPerStudent: count("--submissions", parsed.values.submissions, 50),
  };
}

const options = parseCommandLine();
const K = options.k;

const pad = (value: string | number, width: number) => String(value).padStart(width);
const s = (ms: number) => (ms / 1000).toFixed(2);

async function acceptedToRunning(stack: GradingStack): Promise<number[]> {
  const course = await stack.db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
  await stack.createPythonEchoLab(course.id, { durationSeconds: 1 });
  const runner = await stack.startRunner("bench-idle", { concurrency: 1 });
  const alice = await stack.actor("alice@demo.labgrade.test");
  const latencies: number[] = [];
  // One warm-up, then measured submissions, each to a runner that is idle.
  for (let i = 0; i < 11; i++) {
    const submission = await stack.submitPythonEcho(alice, DEMO_COURSE_SLUG);
    await stack.waitForFinalStatus(submission.id, 120_000);
    const row = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id }, include: { jobs: { include: { attempts: true } } } });
    if (i > 0) latencies.push(row.jobs[0]!.attempts[0]!.startedAt.getTime() - row.createdAt.getTime());
  }
  await runner.close();
  return latencies.sort((a, b) => a - b);
}

interface ThroughputRow {
  lab: string;
  concurrency: number;
  perHour: number;
  wallMs: number;
  medianGradingMs: number;
  overConfigured: number;
  overClusterRuns: number;
}

async function throughput(stack: GradingStack, labSlug: string, concurrency: number): Promise<ThroughputRow> {
  const runner = await stack.startRunner(`bench-${labSlug}-${concurrency}`, { concurrency });
  const ids: string[] = [];
  for (let i = 0; i < K; i++) ids.push((await stack.submitReference(["alice", "bob", "carol"][i % 3] + "@demo.labgrade.test", labSlug, "correct")).id);
  for (const id of ids) {
    const status = await stack.waitForFinalStatus(id, 600_000);
    if (status !== "GRADED") throw new Error(`${labSlug} submission ${id} ended ${status}`);
  }
  await runner.close();
  const rows = await stack.db.submission.findMany({
    where: { id: { in: ids } },
    include: { suiteVersion: true, jobs: { include: { attempts: { include: { results: true } } } } },
  });
  let configuredMs = 0;
  let clusterMs = 0;
  let gradingMs = 0;
  const gradings: number[] = [];
  for (const row of rows) {
    const spec = suiteSpecSchema.parse(row.suiteVersion.spec);
    configuredMs += spec.tests.reduce((sum, t) => sum + plannedTestMs(t) * t.repetitions, 0);
    const results = row.jobs.flatMap((j) => j.attempts.flatMap((a) => a.results));
    clusterMs += results.reduce((sum, r) => sum + r.durationMs, 0);
    const ms = row.finishedAt!.getTime() - row.startedAt!.getTime();
    gradingMs += ms;
    gradings.push(ms);
  }
  const first = Math.min(...rows.map((r) => r.createdAt.getTime()));
  const last = Math.max(...rows.map((r) => r.finishedAt!.getTime()));
  gradings.sort((a, b) => a - b);
  return {
    lab: labSlug,
    concurrency,
    perHour: (K * 3600_000) / (last - first),
    wallMs: last - first,
    medianGradingMs: quantile(gradings, 0.5),
    overConfigured: gradingMs / configuredMs - 1,
    overClusterRuns: gradingMs / clusterMs - 1,
  };
}

interface DeadlineNight {
  gradings: number;
  perHour: number;
  wallMs: number;
  /** Per student: their first submission's accept → their first result. */
  firstResultMs: number[];
  /** Per student: the mean of their submissions' accept → start. */
  meanStartWaitMs: number[];
  /** Per student: their first accept → their last finish. */
  allDoneMs: number[];
  /** Per submission: the start its page estimated on acceptance against the real one; null where none was shown. */
  estimates: Array<EstimateCheck | null>;
  /** The same for the page as it stood once every submission was in (those still waiting then). */
  settledEstimates: Array<EstimateCheck | null>;
}

async function deadlineNight(stack: GradingStack, students: number, perStudent: number): Promise<DeadlineNight> {
  const course = await stack.db.course.create({ data: { slug: "deadline-night", title: "Deadline night" } });
  await stack.createPythonEchoLab(course.id, { durationSeconds: 1 });
  const actors = [];
  for (let i = 0; i < students; i++) {
    const user = await stack.db.user.create({ data: { email: `night${i}@bench.labgrade.test`, name: `Student ${i}` } });
    await stack.db.membership.create({ data: { courseId: course.id, userId: user.id, role: "STUDENT" } });
    actors.push({ userId: user.id, isPlatformAdmin: false });
  }
  const runner = await stack.startRunner("bench-deadline-night", { concurrency: 2 });
  // Four gradings first, both slots busy as they will be, so the lab has recent grading times to estimate from.
  const warmUp = [];
  for (let i = 0; i < 4; i++) warmUp.push(await stack.submitPythonEcho(actors[0]!, course.slug));
  for (const w of warmUp) await stack.waitForFinalStatus(w.id, 120_000);

  // Everyone at once, each student's as one burst: the first student's M, then the next student's, as fast as they are accepted.
  const sent: Array<Array<{ id: string; readAt: number; estimatedStartAt: Date | null }>> = [];
  for (const actor of actors) {
    const mine = [];
    for (let i = 0; i < perStudent; i++) {
      const submission = await stack.submitPythonEcho(actor, course.slug);
      const readAt = Date.now();
      mine.push({ id: submission.id, readAt, estimatedStartAt: (await queuePlace(stack.db, submission.id, new Date(readAt)))?.estimatedStartAt ?? null });
    }
    sent.push(mine);
  }
  const all = sent.flat();
  // Later arrivals of students with fewer waiting go ahead of a job accepted early; once all are in, nobody does.
  const settledAt = Date.now();
  const settled = await Promise.all(all.map(async (a) => ({ id: a.id, readAt: settledAt, estimatedStartAt: (await queuePlace(stack.db, a.id, new Date(settledAt)))?.estimatedStartAt ?? null })));
  for (const { id } of all) {
    const status = await stack.waitForFinalStatus(id, 3_600_000);
    if (status !== "GRADED") throw new Error(`deadline-night submission ${id} ended ${status}`);
  }
  await runner.close();
  const rows = await stack.db.submission.findMany({
    where: { id: { in: all.map((a) => a.id) } },
    select: { id: true, createdAt: true, finishedAt: true, jobs: { select: { attempts: { select: { startedAt: true }, orderBy: { number: "asc" }, take: 1 } } } },
  });
  const byId = new Map(
    rows.map((r) => [r.id, { acceptedAt: r.createdAt.getTime(), startedAt: r.jobs[0]!.attempts[0]!.startedAt.getTime(), finishedAt: r.finishedAt!.getTime() }]),
  );
  const times = sent.map((mine) => mine.map((m) => byId.get(m.id)!));
  const first = Math.min(...rows.map((r) => r.createdAt.getTime()));
  const last = Math.max(...rows.map((r) => r.finishedAt!.getTime()));
  return {
    gradings: all.length,
    perHour: (all.length * 3600_000) / (last - first),
    wallMs: last - first,
    firstResultMs: times.map((t) => t[0]!.finishedAt - t[0]!.acceptedAt),
    meanStartWaitMs: times.map((t) => t.reduce((sum, x) => sum + x.startedAt - x.acceptedAt, 0) / t.length),
    allDoneMs: times.map((t) => Math.max(...t.map((x) => x.finishedAt)) - t[0]!.acceptedAt),
    estimates: all.map((a) => checkEstimate(a, byId.get(a.id)!.startedAt)),
    settledEstimates: settled.map((a) => checkEstimate(a, byId.get(a.id)!.startedAt)),
  };
}

interface EstimateCheck {
  /** Real start − estimated start (positive: the estimate was too early). */
  errorMs: number;
  /** Real start − when the estimate was read: the wait it estimated. */
  waitMs: number;
}

/** An estimate read at `readAt` against the real start; null where none was shown, or the job had started by then. */
function checkEstimate(e: { readAt: number; estimatedStartAt: Date | null }, startedAt: number): EstimateCheck | null {
  if (!e.estimatedStartAt || startedAt <= e.readAt) return null;
  return { errorMs: startedAt - e.estimatedStartAt.getTime(), waitMs: startedAt - e.readAt };
}

function estimateLine(label: string, checksOrNull: Array<EstimateCheck | null>): void {
  const checks = checksOrNull.filter((e): e is EstimateCheck => e !== null);
  if (checks.length === 0) {
    console.log(`  ${label}: none shown`);
    return;
  }
  const errors = checks.map((c) => c.errorMs);
  const abs = errors.map(Math.abs).sort((a, b) => a - b);
  const tooEarly = errors.filter((e) => e > 0).length;
  // Off by what share of the real wait (a wait under a second counts as one: the page shows seconds).
  const relative = checks.map((c) => Math.abs(c.errorMs) / Math.max(c.waitMs, 1000)).sort((a, b) => a - b);
  const pct = (r: number) => `${(r * 100).toFixed(0)} %`;
  console.log(
    `  ${label}: ${errors.length} estimates, |error| median ${s(quantile(abs, 0.5))} s, worst ${s(abs[abs.length - 1]!)} s; ` +
      `${tooEarly} too early, ${errors.length - tooEarly} too late or exact (signed median ${s(quantile([...errors].sort((a, b) => a - b), 0.5))} s)`,
  );
  console.log(
    `    off by a share of the real wait: median ${pct(quantile(relative, 0.5))}, worst ${pct(relative[relative.length - 1]!)}; ` +
      `${relative.filter((r) => r <= 0.5).length} of ${relative.length} within ±50 %`,
  );
}

function printDeadlineNight(students: number, perStudent: number, r: DeadlineNight): void {
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const studentLine = (label: string, values: number[]) => {
    const v = sorted(values);
    console.log(`  ${label.padEnd(44)} median student ${pad(s(quantile(v, 0.5)), 7)} s, worst ${pad(s(v[v.length - 1]!), 7)} s`);
  };
  console.log(`deadline night: ${students} students × ${perStudent} submissions at once, one course, runner with 2 slots (Python echo, 1-s test)`);
  console.log(`  ${r.gradings} gradings in ${s(r.wallMs)} s: ${r.perHour.toFixed(0)} gradings/hour`);
  studentLine("first result (first accept → first finish)", r.firstResultMs);
  studentLine("wait to start (accept → start, their mean)", r.meanStartWaitMs);
  studentLine("all done (first accept → last finish)", r.allDoneMs);
  estimateLine("queue estimate on acceptance vs real start", r.estimates);
  estimateLine("once all were in (those still waiting)", r.settledEstimates);
}

async function main(): Promise<void> {
  const stack = await createGradingStack("bench-pipeline");
  try {
    console.log("grading pipeline (real PostgreSQL, Redis, BullMQ and Docker; 2 cores)\n");
    if (options.deadlineNightOnly) {
      printDeadlineNight(options.students, options.submissionsPerStudent, await deadlineNight(stack, options.students, options.submissionsPerStudent));
      return;
    }
    const latencies = await acceptedToRunning(stack);
    console.log(`accepted → running on an idle runner, ${latencies.length} submissions (Python echo, 1-s test):`);
    console.log(`  median ${latencies[Math.floor(latencies.length / 2)]} ms, p90 ${quantile(latencies, 0.9)} ms, max ${latencies[latencies.length - 1]} ms\n`);

    console.log(`throughput and overhead: ${K} correct references submitted at once (Go build in the sandbox, default suite)`);
    console.log(`${pad("lab", 10)} ${pad("runner slots", 12)} ${pad("per hour", 9)} ${pad("wall s", 7)} ${pad("median grading s", 17)} ${pad("over test time", 15)} ${pad("over cluster runs", 18)}`);
    for (const lab of ["echo", "broadcast"]) {
      if (!BUILTIN_LABS.some((l) => l.slug === lab)) throw new Error(`no built-in lab ${lab}`);
      for (const concurrency of [1, 2]) {
        const r = await throughput(stack, lab, concurrency);
        console.log(
          `${pad(r.lab, 10)} ${pad(r.concurrency, 12)} ${pad(r.perHour.toFixed(0), 9)} ${pad(s(r.wallMs), 7)} ${pad(s(r.medianGradingMs), 17)} ${pad(`${(r.overConfigured * 100).toFixed(0)} %`, 15)} ${pad(`${(r.overClusterRuns * 100).toFixed(0)} %`, 18)}`,
        );
      }
    }
    console.log("\nover test time: (start → finish of each grading) ÷ (its tests' duration + recovery) − 1; includes the Go build.");
    console.log("over cluster runs: the same ÷ the measured cluster runs (setup, workload, checks, teardown) − 1: build, queueing and bookkeeping.");
    console.log("");
    printDeadlineNight(options.students, options.submissionsPerStudent, await deadlineNight(stack, options.students, options.submissionsPerStudent));
  } finally {
    await stack.close();
  }
}

await main();
// The queues' Redis connections stay open (lib/queue.ts gives BullMQ connections it does not close), so leave explicitly.
process.exit(0);
