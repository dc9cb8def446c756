// The built web app on a database and queue of its own, for browser and HTTP
// tests: a migrated scratch database seeded with the demo course, a BullMQ
// queue under a unique prefix on the real Redis (nothing grades it unless the
// test starts a runner), and `next start` behind our server on a free port.
// One call sets it up; close() removes all of it (the server, the queue's
// keys, the database).
import { randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
import { createApiToken } from "../../lib/api/tokens.js";
import type { Actor } from "../../lib/courses/access.js";
import { createDb, type Db } from "../../lib/db.js";
import { createGradingQueue } from "../../lib/queue.js";
import { seedDemoCourse } from "../../lib/seed/demo-course.js";
import { actorByEmail } from "./actors.js";
import { createMigratedDatabase, type ScratchDatabase } from "./databases.js";
import { REDIS_URL } from "./grading-stack.js";
import { startWebServer, type WebServer } from "./web-server.js";

export interface WebStack {
  database: ScratchDatabase;
  db: Db;
  /** The queue the web app enqueues on (no runner takes from it unless a test starts one). */
  queue: Queue;
  prefix: string;
  server: WebServer;
  actor(email: string): Promise<Actor>;
  /** A fresh personal token of that user. */
  token(email: string, scope: "READ" | "SUBMIT", expiresInDays?: number | null): Promise<string>;
  close(): Promise<void>;
}

export async function createWebStack(
  label: string,
  opts: {
    /** More of the server's environment (limits, SSO, mail, …). */
    env?: Record<string, string>;
    /** Data the test needs before the server starts, besides the demo course. */
    seed?: (db: Db) => Promise<void>;
    /** The host name in the site's URL (see startWebServer). */
    siteName?: "127.0.0.1" | "localhost";
    /** The DATABASE_URL the server is given, from the database's own: the same database another way (e.g. through a proxy the test cuts). */
    serverDatabaseUrl?: (url: string) => string;
  } = {},
): Promise<WebStack> {
  const database = await createMigratedDatabase(label);
  const db = createDb(database.url);
  const prefix = `test-${label}-${randomBytes(4).toString("hex")}`;
  let queue: Queue | undefined;
  let server: WebServer | undefined;
  try {
    await seedDemoCourse(db);
    await opts.seed?.(db);
    queue = createGradingQueue({ redisUrl: REDIS_URL, prefix });
    server = await startWebServer({
      env: { DATABASE_URL: opts.serverDatabaseUrl?.(database.url) ?? database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: prefix, AUTH_SECRET: randomBytes(32).toString("hex"), ...opts.env },
      siteName: opts.siteName,
    });
  } catch (err) {
    await queue?.close();
    await db.$disconnect();
    await database.drop();
    throw err;
  }
  const actor = (email: string) => actorByEmail(db, email);
  return {
    database,
    db,
    queue,
    prefix,
    server,
    actor,
    async token(email, scope, expiresInDays = 30) {
      return (await createApiToken(db, await actor(email), { name: `${scope} ${randomBytes(2).toString("hex")}`, scope, expiresInDays })).token;
    },
    async close() {
      await server?.stop();
      await queue?.obliterate({ force: true }).catch(() => undefined);
      await queue?.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}
