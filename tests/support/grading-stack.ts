// A real grading stack for integration tests: a freshly migrated database of
// its own with the demo course, a BullMQ queue under a unique prefix on the
// real Redis, and an in-process runner on the real Docker engine. Each test
// file gets its own, so files can run in any order.
import { randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
import Docker from "dockerode";
import { packDirectory } from "../../lib/archive.js";
import { parseConfig } from "../../lib/config.js";
import type { Actor } from "../../lib/courses/access.js";
import { createDb, type Db } from "../../lib/db.js";
import { BUILTIN_LABS } from "../../lib/labs/builtin.js";
import { createGradingQueue } from "../../lib/queue.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { createSubmission } from "../../lib/submissions/create-submission.js";
import { runnerLimits } from "../../runner/limits.js";
import { startRunner, type RunningRunner } from "../../runner/worker.js";
import { createMigratedDatabase, type ScratchDatabase } from "./databases.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export interface GradingStack {
  db: Db;
  docker: Docker;
  queue: Queue;
  prefix: string;
  database: ScratchDatabase;
  runner?: RunningRunner;
  redisUrl: string;
  startRunner(id?: string): Promise<RunningRunner>;
  actor(email: string): Promise<Actor>;
  submitReference(email: string, labSlug: string, referenceName: string): Promise<{ id: string; status: string }>;
  waitForFinalStatus(submissionId: string, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

const FINAL = new Set(["GRADED", "BUILD_FAILED", "INFRA_ERROR", "CANCELLED", "TIMED_OUT"]);

export async function createGradingStack(label: string, opts: { redisUrl?: string } = {}): Promise<GradingStack> {
  const redisUrl = opts.redisUrl ?? REDIS_URL;
  const database = await createMigratedDatabase(label);
  const db = createDb(database.url);
  await seedDemoCourse(db);
  const docker = new Docker();
  const prefix = `test-${label}-${randomBytes(4).toString("hex")}`;
  const queue = createGradingQueue({ redisUrl, prefix });
  const runners: RunningRunner[] = [];
  const stack: GradingStack = {
    db,
    docker,
    queue,
    prefix,
    database,
    redisUrl,
    async startRunner(id) {
      const runner = await startRunner({
        db,
        docker,
        queue: { redisUrl, prefix },
        runnerId: id ?? `${prefix}-runner-${runners.length}`,
        concurrency: 1,
        limits: runnerLimits(parseConfig({})),
        log: () => undefined,
      });
      runners.push(runner);
      stack.runner ??= runner;
      return runner;
    },
    async actor(email) {
      const user = await db.user.findUniqueOrThrow({ where: { email } });
      return { userId: user.id, isPlatformAdmin: user.isPlatformAdmin };
    },
    async submitReference(email, labSlug, referenceName) {
      const lab = BUILTIN_LABS.find((l) => l.slug === labSlug);
      const ref = lab?.references.find((r) => r.name === referenceName);
      if (!ref) throw new Error(`no reference solution ${labSlug}/${referenceName}`);
      return createSubmission({ db, queue }, await stack.actor(email), {
        courseSlug: DEMO_COURSE_SLUG,
        labSlug,
        upload: await packDirectory(ref.dir),
      });
    },
    async waitForFinalStatus(submissionId, timeoutMs = 150_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await db.submission.findUniqueOrThrow({ where: { id: submissionId } });
        if (FINAL.has(s.status)) return s.status;
        if (Date.now() > deadline) throw new Error(`submission ${submissionId} still ${s.status} (${s.statusDetail}) after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async close() {
      for (const r of runners) await r.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await db.$disconnect();
      await database.drop();
    },
  };
  return stack;
}
