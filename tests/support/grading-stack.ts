// A real grading stack for integration tests: a freshly migrated database of
// its own with the demo course, a BullMQ queue under a unique prefix on the
// real Redis, and an in-process runner on the real Docker engine. Each test
// file gets its own, so files can run in any order.
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Queue } from "bullmq";
import Docker from "dockerode";
import { parseConfig } from "../../lib/config.js";
import type { Actor } from "../../lib/courses/access.js";
import { createDb, type Db } from "../../lib/db.js";
import { BUILTIN_LABS } from "../../lib/labs/builtin.js";
import { packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { createGradingQueue } from "../../lib/queue.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { createSubmission } from "../../lib/submissions/create-submission.js";
import { isFinalStatus } from "../../lib/submissions/final-status.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { runnerLimits, type RunnerLimits } from "../../runner/limits.js";
import { startRunner, type RunningRunner } from "../../runner/worker.js";
import { actorByEmail } from "./actors.js";
import { createMigratedDatabase, type ScratchDatabase } from "./databases.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export interface GradingStack {
  db: Db;
  docker: Docker;
  queue: Queue;
  prefix: string;
  database: ScratchDatabase;
  runner?: RunningRunner;
  redisUrl: string;
  /**
   * A runner in this process; `databaseUrl` and `docker` point it elsewhere than the stack's database
   * and engine (e.g. through a proxy); `log` receives its log lines.
   */
  startRunner(
    id?: string,
    opts?: { concurrency?: number; databaseUrl?: string; docker?: Docker; limits?: Partial<RunnerLimits>; reconcileEveryMs?: number; log?: (line: string) => void },
  ): Promise<RunningRunner>;
  /** A published Python echo lab "py-echo" in the course (no build step, one 1-node test): cheap to grade many times. */
  createPythonEchoLab(courseId: string, opts?: { durationSeconds?: number }): Promise<void>;
  submitPythonEcho(actor: Actor, courseSlug: string): Promise<{ id: string; status: string }>;
  actor(email: string): Promise<Actor>;
  submitReference(email: string, labSlug: string, referenceName: string): Promise<{ id: string; status: string }>;
  waitForFinalStatus(submissionId: string, timeoutMs?: number): Promise<string>;
  /** Publishes a new echo suite version with one test of this length (time to kill or cancel mid-test). */
  publishLongEchoSuite(seconds: number): Promise<void>;
  /** Publishes `source` as the demo course lab's next suite version. */
  publishSuite(labSlug: string, source: string): Promise<void>;
  close(): Promise<void>;
}


export async function createGradingStack(label: string, opts: { redisUrl?: string } = {}): Promise<GradingStack> {
  const redisUrl = opts.redisUrl ?? REDIS_URL;
  const database = await createMigratedDatabase(label);
  const db = createDb(database.url);
  await seedDemoCourse(db);
  const docker = new Docker();
  const prefix = `test-${label}-${randomBytes(4).toString("hex")}`;
  const queue = createGradingQueue({ redisUrl, prefix });
  const runners: RunningRunner[] = [];
  const extraClients: Db[] = [];
  let pythonEcho: Buffer | undefined;
  const stack: GradingStack = {
    db,
    docker,
    queue,
    prefix,
    database,
    redisUrl,
    async startRunner(id, runnerOpts) {
      const runnerDb = runnerOpts?.databaseUrl ? createDb(runnerOpts.databaseUrl) : db;
      if (runnerDb !== db) extraClients.push(runnerDb);
      const runner = await startRunner({
        db: runnerDb,
        docker: runnerOpts?.docker ?? docker,
        queue: { redisUrl, prefix },
        runnerId: id ?? `${prefix}-runner-${runners.length}`,
        concurrency: runnerOpts?.concurrency ?? 1,
        limits: { ...runnerLimits(parseConfig({})), ...runnerOpts?.limits },
        reconcileEveryMs: runnerOpts?.reconcileEveryMs,
        log: runnerOpts?.log ?? (() => undefined),
      });
      runners.push(runner);
      stack.runner ??= runner;
      return runner;
    },
    async createPythonEchoLab(courseId, labOpts) {
      const lab = await db.lab.create({
        data: {
          courseId,
          slug: "py-echo",
          title: "Echo in Python",
          workload: "echo",
          buildImage: "labgrade/python:latest",
          runImage: "labgrade/python:latest",
          buildCommand: "true",
          runCommand: "python3 /work/src/node.py",
          published: true,
        },
      });
      const source = `tests:\n  - name: echo\n    workload: echo\n    nodes: 1\n    concurrency: 1\n    rate: 5\n    durationSeconds: ${labOpts?.durationSeconds ?? 1}\n`;
      const parsed = parseSuite(source);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      await db.suiteVersion.create({ data: { labId: lab.id, version: 1, source, spec: parsed.spec as object, sourceHash: parsed.sourceHash, publishedAt: new Date() } });
    },
    async submitPythonEcho(actor, courseSlug) {
      // The kv-echo fixture answers echoes by way of the cluster's lin-kv service.
      pythonEcho ??= await packReferenceSolution(path.join(ROOT, "tests/fixtures/kv-echo"));
      return createSubmission({ db, queue }, actor, { courseSlug, labSlug: "py-echo", upload: pythonEcho });
    },
    actor: (email) => actorByEmail(db, email),
    async submitReference(email, labSlug, referenceName) {
      const lab = BUILTIN_LABS.find((l) => l.slug === labSlug);
      const ref = lab?.references.find((r) => r.name === referenceName);
      if (!ref) throw new Error(`no reference solution ${labSlug}/${referenceName}`);
      return createSubmission({ db, queue }, await stack.actor(email), {
        courseSlug: DEMO_COURSE_SLUG,
        labSlug,
        upload: await packReferenceSolution(ref.dir),
      });
    },
    async waitForFinalStatus(submissionId, timeoutMs = 150_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await db.submission.findUniqueOrThrow({ where: { id: submissionId } });
        if (isFinalStatus(s.status)) return s.status;
        if (Date.now() > deadline) throw new Error(`submission ${submissionId} still ${s.status} (${s.statusDetail}) after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async publishLongEchoSuite(seconds) {
      await stack.publishSuite("echo", `tests:\n  - name: long-echo\n    workload: echo\n    nodes: 2\n    concurrency: 1\n    rate: 5\n    durationSeconds: ${seconds}\n`);
    },
    async publishSuite(labSlug, source) {
      const lab = await db.lab.findFirstOrThrow({ where: { slug: labSlug } });
      const last = await db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id }, orderBy: { version: "desc" } });
      const parsed = parseSuite(source);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      await db.suiteVersion.create({
        data: { labId: lab.id, version: last.version + 1, source, spec: parsed.spec as object, sourceHash: parsed.sourceHash, publishedAt: new Date() },
      });
    },
    async close() {
      for (const r of runners) await r.close();
      for (const c of extraClients) await c.$disconnect();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await db.$disconnect();
      await database.drop();
    },
  };
  return stack;
}
