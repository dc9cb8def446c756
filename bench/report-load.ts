// Benchmark: a test run's report page for a 10k-operation lin-kv history, in
// the built web app on loopback (autocannon): the page itself (verdict,
// tables, counterexample, log tails) and the plot data its charts fetch, at 1
// and at 10 concurrent connections, against the sign-in page (no database) as
// the baseline measured in the same run. The run is stored as the runner
// stores one: history, results, plot data and three node logs of 256 KiB, its
// evidence from the real checker. Prints figures; asserts nothing about time.
// Needs a production build (`npx next build`; infra/up makes one).
// Run: npx tsx bench/report-load.ts [seconds per measurement = 10]
import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import { putBlob } from "../lib/blobs.js";
import { checkLinearizable } from "../lib/checkers/lin-kv.js";
import { createDb, type Db } from "../lib/db.js";
import type { HistoryEvent } from "../lib/history.js";
import { historyMetrics } from "../lib/metrics.js";
import { Random } from "../lib/random.js";
import { plotData, type FaultTimelineEntry } from "../lib/reports/plot-data.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD, seedDemoCourse } from "../lib/seed/demo-course.js";
import { createMigratedDatabase } from "../tests/support/databases.js";
import { REDIS_URL } from "../tests/support/grading-stack.js";
import { signInOverHttp, startWebServer } from "../tests/support/web-server.js";

const SECONDS = Number(process.argv[2] ?? 10);
if (!Number.isInteger(SECONDS) || SECONDS < 1) {
  console.error("usage: npx tsx bench/report-load.ts [seconds per measurement ≥ 1]");
  process.exit(64);
}
const OPERATIONS = 10_000;
const PROCESSES = 10;
const MAIN_PHASE_MS = 60_000;

/** A lin-kv history: PROCESSES clients, one operation at a time each, 3 keys, some failures and timeouts. */
function linKvHistory(rng: Random): HistoryEvent[] {
  const events: Omit<HistoryEvent, "index">[] = [];
  const perProcess = OPERATIONS / PROCESSES;
  const gapUs = (MAIN_PHASE_MS * 1000) / perProcess;
  for (let p = 0; p < PROCESSES; p++) {
    for (let i = 0; i < perProcess; i++) {
      const start = Math.round(i * gapUs + rng.int(1000));
      const latencyUs = 300 + rng.int(rng.int(10) === 0 ? 200_000 : 5_000);
      const key = rng.int(3);
      const kind = rng.int(3);
      const f = kind === 0 ? "read" : kind === 1 ? "write" : "cas";
      const value = f === "read" ? [key, null] : f === "write" ? [key, rng.int(5)] : [key, [rng.int(5), rng.int(5)]];
      const node = `n${rng.int(3)}`;
      events.push({ type: "invoke", process: p, f, value, timeUs: start, node });
      const roll = rng.int(100);
      const done = { process: p, f, timeUs: start + latencyUs, node };
      if (roll < 3) events.push({ ...done, type: "info", value: null, error: { code: 0, text: "timeout" } });
      else if (f === "cas" && roll < 40) events.push({ ...done, type: "fail", value: null, error: { code: 22, text: "precondition failed" } });
      else events.push({ ...done, type: "ok", value: f === "read" ? [key, rng.int(5)] : value });
    }
  }
  events.sort((a, b) => a.timeUs - b.timeUs || (a.type === "invoke" ? 1 : 0) - (b.type === "invoke" ? 1 : 0));
  return events.map((e, index) => ({ index, ...e }));
}

/** Alice's graded lin-kv submission with one stored 10k-operation run; its ids. */
async function storeRun(db: Db): Promise<{ submissionId: string; resultId: string; historyBytes: number; plotBytes: number }> {
  const lab = await db.lab.findFirstOrThrow({ where: { slug: "lin-kv", course: { slug: DEMO_COURSE_SLUG } } });
  const suite = await db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id }, orderBy: { version: "desc" } });
  const alice = await db.user.findUniqueOrThrow({ where: { email: "alice@demo.labgrade.test" } });
  const events = linKvHistory(new Random("2026"));
  const nodeIds = ["n0", "n1", "n2"];
  const faults: FaultTimelineEntry[] = [
    { atMs: 10_000, kind: "partition", nodes: nodeIds, detail: "majority-minority: n0 × n2; n1 × n2; n2 × n0,n1", ok: true },
    { atMs: 25_000, kind: "heal", nodes: nodeIds, detail: "network healed", ok: true },
    { atMs: 35_000, kind: "partition", nodes: nodeIds, detail: "isolate: n0 × n1,n2; n1 × n0; n2 × n0", ok: true },
    { atMs: 50_000, kind: "heal", nodes: nodeIds, detail: "network healed", ok: true },
  ];
  const checked = checkLinearizable(events, { nodeIds, budgetMs: 5_000 });
  const metrics = {
    ...historyMetrics(events),
    serverMessages: OPERATIONS * 3,
    msgsPerOp: 3,
    perNode: nodeIds.map((node) => ({
      node,
      toNodes: 0,
      toServices: OPERATIONS,
      fromServices: OPERATIONS,
      clientMessagesIn: OPERATIONS / 3,
      clientMessagesOut: OPERATIONS / 3,
      oversizeDropped: 0,
      malformedStdoutLines: 0,
      unknownDestinations: 0,
      refusedDatagrams: 0,
      sentByType: { read: 3000, write: 3500, cas: 3500 },
    })),
    setupMs: 1200,
    faults,
  };
  const submission = await db.submission.create({
    data: { courseId: lab.courseId, labId: lab.id, userId: alice.id, suiteVersionId: suite.id, archiveKey: "archives/bench", archiveBytes: 2048, contentHash: randomBytes(32).toString("hex"), status: "GRADED", score: 0, maxScore: 1, finalScore: 0, finishedAt: new Date() },
  });
  const job = await db.gradingJob.create({ data: { submissionId: submission.id, suiteVersionId: suite.id, status: "SUCCEEDED" } });
  const attempt = await db.gradingAttempt.create({ data: { jobId: job.id, number: 1, runnerId: "bench", outcome: "GRADED", finishedAt: new Date() } });
  const prefix = `attempts/${attempt.id}/lin-kv-partitioned/0`;
  const log = (node: string) => Buffer.from(Array.from({ length: 4096 }, (_, i) => `${node} ${i.toString().padStart(6, "0")} handled a request from c${i % PROCESSES} and answered it\n`).join("").slice(0, 256 * 1024));
  const files = [
    { kind: "HISTORY" as const, name: "history.json", bytes: Buffer.from(JSON.stringify({ format: "labgrade-history/1", seed: "2026", events })) },
    { kind: "RESULTS" as const, name: "results.json", bytes: Buffer.from(JSON.stringify({ format: "labgrade-result/1", workload: "lin-kv", verdict: checked.verdict, reason: checked.reason, evidence: checked.evidence, metrics })) },
    { kind: "PLOT_DATA" as const, name: "plot.json", bytes: Buffer.from(JSON.stringify(plotData(events, faults, MAIN_PHASE_MS, metrics.throughput))) },
    ...nodeIds.map((node) => ({ kind: "NODE_LOG" as const, name: `${node}.log`, bytes: log(node) })),
  ];
  const blobs = await Promise.all(files.map((f) => putBlob(db, `${prefix}/${f.name}`, f.bytes)));
  const result = await db.testResult.create({
    data: {
      attemptId: attempt.id,
      testName: "lin-kv-partitioned",
      repetition: 0,
      seed: "2026",
      verdict: checked.verdict,
      reason: checked.reason,
      maxPoints: 1,
      durationMs: MAIN_PHASE_MS + 3000,
      metrics: metrics as object,
      evidence: checked.evidence as object,
      artifacts: { create: files.map((f, i) => ({ attemptId: attempt.id, kind: f.kind, name: f.name, storageKey: blobs[i]!.key, sizeBytes: blobs[i]!.sizeBytes, sha256: blobs[i]!.sha256 })) },
    },
  });
  return { submissionId: submission.id, resultId: result.id, historyBytes: files[0]!.bytes.length, plotBytes: files[2]!.bytes.length };
}

interface Row {
  what: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, what: string, connections: number, headers: Record<string, string> = {}): Promise<Row> {
  const result = await autocannon({ url, connections, duration: SECONDS, headers });
  return { what, connections, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors + result.timeouts };
}

async function main(): Promise<void> {
  const database = await createMigratedDatabase("bench-report-load");
  const db = createDb(database.url);
  let server: Awaited<ReturnType<typeof startWebServer>> | undefined;
  try {
    await seedDemoCourse(db);
    const run = await storeRun(db);
    server = await startWebServer({
      env: { DATABASE_URL: database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: `bench-${randomBytes(4).toString("hex")}`, AUTH_SECRET: randomBytes(32).toString("hex") },
    });
    const cookie = { cookie: await signInOverHttp(server.url, "alice@demo.labgrade.test", DEMO_PASSWORD) };
    const reportUrl = `${server.url}/submissions/${run.submissionId}/results/${run.resultId}`;
    const plot = await db.artifact.findFirstOrThrow({ where: { testResultId: run.resultId, kind: "PLOT_DATA" } });
    const plotUrl = `${server.url}/api/submissions/${run.submissionId}/artifacts/${plot.id}`;
    // Warm up (compilation caches, connection pools) and check what is measured.
    const page = await fetch(reportUrl, { headers: cookie });
    const html = await page.text();
    if (page.status !== 200 || !html.includes("counterexample")) throw new Error(`the report answered ${page.status} without its counterexample`);
    if ((await fetch(plotUrl, { headers: cookie })).status !== 200) throw new Error("the plot data did not load");
    console.log(
      `test run report: ${OPERATIONS} operations over ${MAIN_PHASE_MS / 1000} s (history ${(run.historyBytes / 1024).toFixed(0)} KiB, plot data ${(run.plotBytes / 1024).toFixed(0)} KiB, page ${(html.length / 1024).toFixed(0)} KiB), ${SECONDS} s per measurement, loopback, one \`next start\`\n`,
    );
    const rows: Row[] = [];
    for (const connections of [1, 10]) {
      rows.push(await load(`${server.url}/signin`, "sign-in page (baseline)", connections));
      rows.push(await load(reportUrl, "report page", connections, cookie));
      rows.push(await load(plotUrl, "plot data (charts)", connections, cookie));
    }
    const pad = (v: string | number, w: number) => String(v).padStart(w);
    console.log(`${pad("what", 24)} ${pad("conns", 6)} ${pad("req/s", 8)} ${pad("p50 ms", 7)} ${pad("p99 ms", 7)} ${pad("errors", 7)} ${pad("× baseline time", 16)}`);
    for (const r of rows) {
      const base = rows.find((b) => b.connections === r.connections)!;
      console.log(`${pad(r.what, 24)} ${pad(r.connections, 6)} ${pad(r.rps.toFixed(0), 8)} ${pad(r.p50, 7)} ${pad(r.p99, 7)} ${pad(r.errors, 7)} ${pad((base.rps / r.rps).toFixed(2), 16)}`);
    }
  } finally {
    await server?.stop();
    await db.$disconnect();
    await database.drop();
  }
}

await main();
