// Benchmark: many open progress streams (GET /api/v1/submissions/{id}/events)
// on one `next start`: how many Redis connections they hold, and how long
// after the runner's announcement a stream carries the change (the database
// row is changed, then the announcement published, as the runner does).
// Scenarios: one stream alone (the baseline); N students each following their
// own submission, one announced per round; N streams of one submission, all
// told at once (each re-reads the submission under the report's visibility
// rules, so a round costs N reads). Redis connections are counted against the
// server's before any stream opened. Prints figures; asserts nothing.
// Needs a production build (`npx next build`; infra/up makes one).
// Run: npx tsx bench/event-streams.ts [streams = 200] [rounds = 10]
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { Redis } from "ioredis";
import { createApiToken } from "../lib/api/tokens.js";
import { createDb, type Db } from "../lib/db.js";
import { packReferenceSolution } from "../lib/labs/pack-reference.js";
import { quantile } from "../lib/metrics.js";
import { createGradingQueue } from "../lib/queue.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../lib/seed/demo-course.js";
import { createMigratedDatabase } from "../tests/support/databases.js";
import { REDIS_URL } from "../tests/support/grading-stack.js";
import { startWebServer } from "../tests/support/web-server.js";

const STREAMS = Number(process.argv[2] ?? 200);
const ROUNDS = Number(process.argv[3] ?? 10);
if (!Number.isInteger(STREAMS) || STREAMS < 1 || STREAMS > 1000 || !Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error("usage: npx tsx bench/event-streams.ts [streams 1–1000] [rounds ≥ 1]");
  process.exit(64);
}
const ROOT = path.resolve(import.meta.dirname, "..");

/** An open event stream: the time each statusDetail first arrived. */
function follow(url: string, token: string, arrivals: Map<string, number>, signal: AbortSignal): Promise<void> {
  return new Promise((opened, failed) => {
    void fetch(url, { headers: { authorization: `Bearer ${token}` }, signal })
      .then(async (response) => {
        if (response.status !== 200) throw new Error(`the stream answered ${response.status}`);
        opened();
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        let text = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += value;
          let end: number;
          while ((end = text.indexOf("\n\n")) >= 0) {
            const data = text.slice(0, end).split("\n").find((line) => line.startsWith("data: "));
            text = text.slice(end + 2);
            if (!data) continue;
            const detail = (JSON.parse(data.slice(6)) as { statusDetail: string | null }).statusDetail ?? "";
            if (!arrivals.has(detail)) arrivals.set(detail, performance.now());
          }
        }
      })
      .catch((err: unknown) => (signal.aborted ? undefined : failed(err)));
  });
}

async function redisClients(redis: Redis): Promise<number> {
  return ((await redis.client("LIST")) as string).split("\n").filter(Boolean).length;
}

interface Watcher {
  token: string;
  submissionId: string;
}

/** Opens a stream per watcher, then runs the rounds: connections added and the latency of every arrival that was announced. */
async function measure(ctx: { db: Db; redis: Redis; idle: number; base: string; prefix: string }, label: string, watchers: Watcher[], announced: (round: number) => string[]) {
  const abort = new AbortController();
  const arrivals = watchers.map(() => new Map<string, number>());
  await Promise.all(watchers.map((w, i) => follow(`${ctx.base}/api/v1/submissions/${w.submissionId}/events`, w.token, arrivals[i]!, abort.signal)));
  // Let every stream subscribe and send its first event.
  await new Promise((r) => setTimeout(r, 1000));
  const held = (await redisClients(ctx.redis)) - ctx.idle;
  const latencies: number[] = [];
  let missing = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const detail = `${label} round ${round}`;
    const ids = announced(round);
    await ctx.db.submission.updateMany({ where: { id: { in: ids } }, data: { statusDetail: detail } });
    const t0 = performance.now();
    await Promise.all(ids.map((id) => ctx.redis.publish(`${ctx.prefix}:progress:${id}`, JSON.stringify({ statusDetail: detail }))));
    const told = arrivals.filter((_, i) => ids.includes(watchers[i]!.submissionId));
    // Under the streams' 5-second poll: what arrives later was not carried by the announcement.
    const deadline = t0 + 4000;
    while (performance.now() < deadline && told.some((a) => !a.has(detail))) await new Promise((r) => setTimeout(r, 5));
    for (const a of told) {
      const at = a.get(detail);
      if (at === undefined || at > deadline) missing++;
      else latencies.push(at - t0);
    }
  }
  abort.abort();
  latencies.sort((a, b) => a - b);
  return { label, held, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1)!, missing };
}

/** `count` more students of the demo course, each with a token and a queued submission of echo like `template`. */
async function students(db: Db, templateId: string, count: number): Promise<Watcher[]> {
  const template = await db.submission.findUniqueOrThrow({ where: { id: templateId } });
  const users = Array.from({ length: count }, (_, i) => ({ id: randomUUID(), email: `watcher-${i}@demo.labgrade.test` }));
  await db.user.createMany({ data: users });
  await db.membership.createMany({ data: users.map((u) => ({ courseId: template.courseId, userId: u.id, role: "STUDENT" as const })) });
  const submissions = users.map((u) => ({ ...template, id: randomUUID(), userId: u.id, createdAt: new Date() }));
  await db.submission.createMany({ data: submissions });
  return Promise.all(
    users.map(async (u, i) => ({
      token: (await createApiToken(db, { userId: u.id, isPlatformAdmin: false }, { name: "bench", scope: "READ", expiresInDays: 1 })).token,
      submissionId: submissions[i]!.id,
    })),
  );
}

async function main() {
  const database = await createMigratedDatabase("bench-event-streams");
  const db = createDb(database.url);
  const redis = new Redis(REDIS_URL);
  const prefix = `bench-${randomBytes(4).toString("hex")}`;
  let server: Awaited<ReturnType<typeof startWebServer>> | undefined;
  try {
    await seedDemoCourse(db);
    server = await startWebServer({
      // The per-token call limit and the per-person stream limit are lifted: this measures the streams, not the refusals.
      env: {
        DATABASE_URL: database.url,
        REDIS_URL,
        LABGRADE_QUEUE_PREFIX: prefix,
        AUTH_SECRET: randomBytes(32).toString("hex"),
        LABGRADE_API_CALLS_PER_MINUTE: "100000",
        LABGRADE_OPEN_STREAMS_PER_USER: "1000",
      },
    });
    const alice = await db.user.findUniqueOrThrow({ where: { email: "alice@demo.labgrade.test" } });
    const token = (await createApiToken(db, { userId: alice.id, isPlatformAdmin: false }, { name: "bench", scope: "SUBMIT", expiresInDays: 1 })).token;
    // A submission that stays queued: no runner takes it.
    const submitted = await fetch(`${server.url}/api/v1/courses/${DEMO_COURSE_SLUG}/labs/echo/submissions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/gzip" },
      body: new Uint8Array(await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"))),
    });
    if (submitted.status !== 201) throw new Error(`submitting answered ${submitted.status}: ${await submitted.text()}`);
    const { id } = (await submitted.json()) as { id: string };
    // Redis's clients with the server up and no stream open yet.
    const ctx = { db, redis, idle: await redisClients(redis), base: server.url, prefix };
    const many = await students(db, id, STREAMS);
    console.log(`progress streams on one \`next start\`, ${ROUNDS} announcements per scenario, loopback\n`);
    const rows = [
      await measure(ctx, "one stream (baseline)", [{ token, submissionId: id }], () => [id]),
      await measure(ctx, `${STREAMS} students, own`, many, (round) => [many[(round * 37) % STREAMS]!.submissionId]),
      await measure(ctx, `${STREAMS} streams of one`, Array.from({ length: STREAMS }, () => ({ token, submissionId: id })), () => [id]),
    ];
    const pad = (v: string | number, w: number) => String(v).padStart(w);
    console.log(`${pad("", 24)} ${pad("Redis conns", 12)} ${pad("p50 ms", 7)} ${pad("p99 ms", 7)} ${pad("max ms", 7)} ${pad("missed", 7)} ${pad("p99 × baseline", 15)}`);
    for (const r of rows) {
      console.log(
        `${pad(r.label, 24)} ${pad(r.held, 12)} ${pad(r.p50.toFixed(1), 7)} ${pad(r.p99.toFixed(1), 7)} ${pad(r.max.toFixed(1), 7)} ${pad(r.missing, 7)} ${pad((r.p99 / rows[0]!.p99).toFixed(2), 15)}`,
      );
    }
  } finally {
    await server?.stop();
    // The submission's queued job.
    const queue = createGradingQueue({ redisUrl: REDIS_URL, prefix }, redis);
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    redis.disconnect();
    await db.$disconnect();
    await database.drop();
  }
}

await main();
