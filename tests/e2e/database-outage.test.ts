// The API while PostgreSQL does not answer: every route still answers in its
// JSON error shape (503 service.unavailable with Retry-After), never a bare
// 500, and works again once the database is back. The database sits behind
// a TCP proxy the test cuts (as a database host that went away would).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../lib/api/tokens.js";
import { createDb, type Db } from "../../lib/db.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { actorByEmail } from "../support/actors.js";
import { ADMIN_URL, createMigratedDatabase, databaseUrl, type ScratchDatabase } from "../support/databases.js";
import { REDIS_URL } from "../support/grading-stack.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { startWebServer, type WebServer } from "../support/web-server.js";

let database: ScratchDatabase;
let db: Db;
let proxy: TcpProxy;
let server: WebServer;
let token: string;

beforeAll(async () => {
  database = await createMigratedDatabase("db-outage");
  db = createDb(database.url);
  await seedDemoCourse(db);
  token = (await createApiToken(db, await actorByEmail(db, "alice@demo.labgrade.test"), { name: "outage", scope: "SUBMIT", expiresInDays: 1 })).token;
  const admin = new URL(ADMIN_URL);
  proxy = await startTcpProxy({ host: admin.hostname, port: Number(admin.port || 5432) });
  const behindProxy = new URL(databaseUrl(database.name));
  behindProxy.host = `127.0.0.1:${proxy.port}`;
  server = await startWebServer({ env: { DATABASE_URL: behindProxy.toString(), REDIS_URL, LABGRADE_QUEUE_PREFIX: `test-db-outage-${randomBytes(4).toString("hex")}`, AUTH_SECRET: randomBytes(32).toString("hex") } });
});

afterAll(async () => {
  await server?.stop();
  await proxy?.close();
  await db?.$disconnect();
  await database?.drop();
});

const get = async (route: string) => {
  const response = await fetch(`${server.url}/api/v1${route}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get("retry-after"), type: response.headers.get("content-type"), text };
};

describe("the API without its database", () => {
  it("answers 503 in its JSON error shape while PostgreSQL is unreachable, and 200 once it is back", async () => {
    expect((await get("/courses")).status).toBe(200);
    await proxy.cut();
    try {
      for (const route of ["/courses", `/courses/${DEMO_COURSE_SLUG}/labs`, "/submissions/nothing-here"]) {
        const answer = await get(route);
        expect(answer.status, `${route}: ${answer.text.slice(0, 200)}`).toBe(503);
        expect(answer.type).toMatch(/^application\/json/);
        expect(JSON.parse(answer.text)).toEqual({ error: { code: "service.unavailable", message: expect.stringMatching(/cannot reach its database/) } });
        expect(Number(answer.retryAfter)).toBeGreaterThan(0);
      }
    } finally {
      await proxy.restore();
    }
    let back = await get("/courses");
    for (let i = 0; i < 40 && back.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      back = await get("/courses");
    }
    expect(back.status).toBe(200);
  });
});
