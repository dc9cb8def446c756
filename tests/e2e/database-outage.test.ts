// The API while PostgreSQL does not answer: every route still answers in its
// JSON error shape (503 service.unavailable with Retry-After), never a bare
// 500, and works again once the database is back. The database sits behind
// a TCP proxy the test cuts (as a database host that went away would).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { ADMIN_URL } from "../support/databases.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import type { WebServer } from "../support/web-server.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";

let stack: WebStack;
let proxy: TcpProxy;
let server: WebServer;
let token: string;

beforeAll(async () => {
  const admin = new URL(ADMIN_URL);
  proxy = await startTcpProxy({ host: admin.hostname, port: Number(admin.port || 5432) });
  stack = await createWebStack("db-outage", {
    // The server reaches PostgreSQL only through the proxy; the test's own connection does not.
    serverDatabaseUrl: (url) => {
      const behindProxy = new URL(url);
      behindProxy.host = `127.0.0.1:${proxy.port}`;
      return behindProxy.toString();
    },
  });
  server = stack.server;
  token = await stack.token("alice@demo.labgrade.test", "SUBMIT", 1);
});

afterAll(async () => {
  await stack?.close();
  await proxy?.close();
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
