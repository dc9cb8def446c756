// Benchmark: the built web app under load (autocannon on loopback), with 10k
// graded submissions in a scratch database: requests/s and latency
// quantiles for the sign-in page (no database: the baseline), a lab page, a
// submission page and the lab's leaderboard, as a signed-in student, and the
// submission through the API with a personal token, and the lab's newest
// submissions as its instructor sees them through the API, at 50 concurrent
// connections.
// Prints figures and ratios to the baseline, in time per request (throughput)
// and in the web process's CPU time per request (which load from other
// programs on the machine disturbs less); asserts nothing about time.
// Needs a production build (`npx next build`; infra/up makes one).
// Run: npx tsx bench/web-load.ts [seconds per page = 10] [connections = 50] [rounds = 3]
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { createApiToken } from "../lib/api/tokens.js";
import { createDb } from "../lib/db.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD, seedDemoCourse } from "../lib/seed/demo-course.js";
import { createMigratedDatabase } from "../tests/support/databases.js";
import { REDIS_URL } from "../tests/support/grading-stack.js";
import { signInOverHttp, startWebServer } from "../tests/support/web-server.js";

const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = Number(process.argv[3] ?? 50);
const ROUNDS = Number(process.argv[4] ?? 3);
const WARM_UP_SECONDS = 5;
const SUBMISSIONS = 10_000;
if (!Number.isInteger(SECONDS) || SECONDS < 1 || !Number.isInteger(CONNECTIONS) || CONNECTIONS < 1 || !Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error("usage: npx tsx bench/web-load.ts [seconds per page ≥ 1] [connections ≥ 1] [rounds of paired measures ≥ 1]");
  process.exit(64);
}

/** 10k graded submissions over the demo students and 47 more, each with a job, an attempt and a result. */
async function fill(db: ReturnType<typeof createDb>): Promise<{ aliceSubmissionId: string }> {
  const course = await db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
  const lab = await db.lab.findFirstOrThrow({ where: { courseId: course.id, slug: "echo" } });
  const suite = await db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id }, orderBy: { version: "desc" } });
  const students = await db.user.findMany({ where: { memberships: { some: { courseId: course.id, role: "STUDENT" } } }, select: { id: true, email: true } });
  const extra = Array.from({ length: 47 }, (_, i) => ({ id: randomUUID(), email: `load-${i}@demo.labgrade.test` }));
  await db.user.createMany({ data: extra });
  await db.membership.createMany({ data: extra.map((u) => ({ courseId: course.id, userId: u.id, role: "STUDENT" as const })) });
  const users = [...students, ...extra];
  const alice = students.find((u) => u.email.startsWith("alice@"))!;
  const start = Date.now() - SUBMISSIONS * 60_000;
  let aliceSubmissionId = "";
  for (let offset = 0; offset < SUBMISSIONS; offset += 1000) {
    const submissions = [];
    const jobs = [];
    const attempts = [];
    const results = [];
    for (let i = offset; i < Math.min(SUBMISSIONS, offset + 1000); i++) {
      const user = i % 50 === 0 ? alice : users[i % users.length]!;
      const at = new Date(start + i * 60_000);
      const id = randomUUID();
      if (user.id === alice.id) aliceSubmissionId = id;
      submissions.push({
        id,
        courseId: course.id,
        labId: lab.id,
        userId: user.id,
        suiteVersionId: suite.id,
        archiveKey: `archives/load-${i}`,
        archiveBytes: 2048,
        contentHash: randomBytes(32).toString("hex"),
        status: "GRADED" as const,
        statusDetail: "all tests passed",
        score: 1,
        maxScore: 1,
        finalScore: 1,
        createdAt: at,
        startedAt: at,
        finishedAt: new Date(at.getTime() + 15_000),
      });
      const jobId = randomUUID();
      jobs.push({ id: jobId, submissionId: id, suiteVersionId: suite.id, status: "SUCCEEDED" as const, createdAt: at, finishedAt: at });
      const attemptId = randomUUID();
      attempts.push({ id: attemptId, jobId, number: 1, runnerId: "load", startedAt: at, finishedAt: at, outcome: "GRADED" as const });
      results.push({ attemptId, testName: "echo-3-nodes", repetition: 0, seed: "1", verdict: "PASS" as const, reason: "all echoes came back", points: 1, maxPoints: 1, durationMs: 4000 });
    }
    await db.submission.createMany({ data: submissions });
    await db.gradingJob.createMany({ data: jobs });
    await db.gradingAttempt.createMany({ data: attempts });
    await db.testResult.createMany({ data: results });
  }
  return { aliceSubmissionId };
}

interface Row {
  page: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The web process's CPU time (all its threads) per request answered. */
  cpuMs: number;
}

/** CPU time a process has used so far, in ms (user + system, from /proc; clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function load(base: string, pid: number, page: string, path: string, headers: Record<string, string> = {}): Promise<Row> {
  const cpu0 = cpuMsOf(pid);
  const result = await autocannon({ url: `${base}${path}`, connections: CONNECTIONS, duration: SECONDS, headers });
  const cpuMs = (cpuMsOf(pid) - cpu0) / Math.max(1, result.requests.total);
  return { page, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors + result.timeouts, cpuMs };
}

async function main(): Promise<void> {
  const database = await createMigratedDatabase("bench-web-load");
  const db = createDb(database.url);
  let server: Awaited<ReturnType<typeof startWebServer>> | undefined;
  try {
    await seedDemoCourse(db);
    const t0 = Date.now();
    const { aliceSubmissionId } = await fill(db);
    console.log(`web app under load: ${SUBMISSIONS} graded submissions (inserted in ${((Date.now() - t0) / 1000).toFixed(1)} s), ${CONNECTIONS} connections, ${SECONDS} s per page, loopback\n`);
    server = await startWebServer({
      // The API's per-token limit is lifted: this measures the route, not the limiter's refusals.
      env: { DATABASE_URL: database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: `bench-${randomBytes(4).toString("hex")}`, AUTH_SECRET: randomBytes(32).toString("hex"), LABGRADE_API_CALLS_PER_MINUTE: "100000", LABGRADE_API_CALLS_PER_MINUTE_PER_USER: "100000" },
    });
    const cookie = { cookie: await signInOverHttp(server.url, "alice@demo.labgrade.test", DEMO_PASSWORD) };
    const alice = await db.user.findUniqueOrThrow({ where: { email: "alice@demo.labgrade.test" } });
    const bearer = { authorization: `Bearer ${(await createApiToken(db, { userId: alice.id, isPlatformAdmin: false }, { name: "bench", scope: "READ", expiresInDays: 1 })).token}` };
    const ivan = await db.user.findUniqueOrThrow({ where: { email: "instructor@demo.labgrade.test" } });
    const staffBearer = { authorization: `Bearer ${(await createApiToken(db, { userId: ivan.id, isPlatformAdmin: false }, { name: "bench", scope: "READ", expiresInDays: 1 })).token}` };
    // Warm up every page (compilation caches, connection pools, and the JIT:
    // a page's first thousand requests cost up to twice what later ones do,
    // so one request each left the first page measured, the baseline, slow).
    // The submissions were inserted, not graded, so the leaderboard's first
    // view builds its entries (LeaderboardEntry) as a change of rules would.
    for (const p of ["/signin", `/courses/${DEMO_COURSE_SLUG}/labs/echo`, `/submissions/${aliceSubmissionId}`, `/courses/${DEMO_COURSE_SLUG}/labs/echo/leaderboard`]) {
      const r = await fetch(`${server.url}${p}`, { headers: cookie });
      if (r.status !== 200) throw new Error(`${p} answered ${r.status}`);
      await autocannon({ url: `${server.url}${p}`, connections: CONNECTIONS, duration: WARM_UP_SECONDS, headers: p === "/signin" ? {} : cookie });
    }
    const rows = [
      await load(server.url, server.pid, "sign-in page (baseline)", "/signin"),
      await load(server.url, server.pid, "lab page", `/courses/${DEMO_COURSE_SLUG}/labs/echo`, cookie),
      await load(server.url, server.pid, "submission page", `/submissions/${aliceSubmissionId}`, cookie),
      await load(server.url, server.pid, "submission JSON", `/api/submissions/${aliceSubmissionId}`, cookie),
      await load(server.url, server.pid, "leaderboard page", `/courses/${DEMO_COURSE_SLUG}/labs/echo/leaderboard`, cookie),
      await load(server.url, server.pid, "API submission (token)", `/api/v1/submissions/${aliceSubmissionId}`, bearer),
      await load(server.url, server.pid, "API lab list (staff)", `/api/v1/courses/${DEMO_COURSE_SLUG}/labs/echo/submissions?limit=50`, staffBearer),
    ];
    const pad = (v: string | number, w: number) => String(v).padStart(w);
    console.log(`${pad("page", 24)} ${pad("req/s", 8)} ${pad("p50 ms", 7)} ${pad("p99 ms", 7)} ${pad("errors", 7)} ${pad("× baseline time", 16)} ${pad("web CPU ms/req", 15)} ${pad("× baseline CPU", 15)}`);
    const base = rows[0]!;
    for (const r of rows) {
      console.log(
        `${pad(r.page, 24)} ${pad(r.rps.toFixed(0), 8)} ${pad(r.p50, 7)} ${pad(r.p99, 7)} ${pad(r.errors, 7)} ${pad((base.rps / r.rps).toFixed(2), 16)} ${pad(r.cpuMs.toFixed(2), 15)} ${pad((r.cpuMs / base.cpuMs).toFixed(2), 15)}`,
      );
    }
    // Issue 21, item 16: every student page at most twice the sign-in page's time per request, in
    // this run. Load from other programs drifts over a run, so each student page is also measured
    // right after a sign-in page of its own, ROUNDS times, and judged by the median of those ratios.
    const studentPages = [
      ["lab page", `/courses/${DEMO_COURSE_SLUG}/labs/echo`],
      ["submission page", `/submissions/${aliceSubmissionId}`],
      ["leaderboard page", `/courses/${DEMO_COURSE_SLUG}/labs/echo/leaderboard`],
    ] as const;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`\neach student page right after a sign-in page of its own, ${ROUNDS} rounds (× the sign-in page's time; CPU):`);
    const over: string[] = [];
    const verdicts: string[] = [];
    for (const [page, path] of studentPages) {
      const time: number[] = [];
      const cpu: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const signIn = await load(server.url, server.pid, "sign-in page", "/signin");
        const it = await load(server.url, server.pid, page, path, cookie);
        time.push(signIn.rps / it.rps);
        cpu.push(it.cpuMs / signIn.cpuMs);
      }
      console.log(`${pad(page, 24)} time ${time.map((x) => x.toFixed(2)).join(" ")} (median ${median(time).toFixed(2)}); CPU ${cpu.map((x) => x.toFixed(2)).join(" ")} (median ${median(cpu).toFixed(2)})`);
      verdicts.push(`${page} ${median(time).toFixed(2)}×`);
      if (median(time) > 2) over.push(page);
    }
    console.log(`\nstudent pages against the sign-in page's time (at most 2×, medians of the pairs): ${verdicts.join(", ")}; ${over.length === 0 ? "all within" : `${over.length} over`}`);
  } finally {
    await server?.stop();
    await db.$disconnect();
    await database.drop();
  }
}

await main();
