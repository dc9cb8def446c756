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
//      runs (TestResult.durationMs, which include cluster setup and teardown).
// Prints figures; asserts nothing about time.
// Run: npx tsx bench/pipeline.ts [K=4]
import { BUILTIN_LABS } from "../lib/labs/builtin.js";
import { quantile } from "../lib/metrics.js";
import { DEMO_COURSE_SLUG } from "../lib/seed/demo-course.js";
import { suiteSpecSchema } from "../lib/suites/schema.js";
import { createGradingStack, type GradingStack } from "../tests/support/grading-stack.js";

const K = Number(process.argv[2] ?? 4);
if (!Number.isInteger(K) || K < 1 || K > 50) {
  console.error(`usage: npx tsx bench/pipeline.ts [submissions per run, 1..50], got "${process.argv[2]}"`);
  process.exit(64);
}

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
    configuredMs += spec.tests.reduce((sum, t) => sum + (t.durationSeconds + t.recoverySeconds) * 1000 * t.repetitions, 0);
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

async function main(): Promise<void> {
  const stack = await createGradingStack("bench-pipeline");
  try {
    console.log("grading pipeline (real PostgreSQL, Redis, BullMQ and Docker; 2 cores)\n");
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
  } finally {
    await stack.close();
  }
}

await main();
