// The API while PostgreSQL does not answer: every route still answers in its
// JSON error shape (503 service.unavailable with Retry-After), never a bare
// 500, and works again once the database is back; so do the routes the pages
// call with their session cookie (app/api/session-route.ts), whose sessions
// outlive the outage. The database sits behind a TCP proxy the test cuts (as
// a database host that went away would).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { ADMIN_URL } from "../support/databases.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { signInOverHttp, type WebServer } from "../support/web-server.js";
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

const answerOf = async (response: Response) => {
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get("retry-after"), type: response.headers.get("content-type"), text };
};

const get = async (route: string) => answerOf(await fetch(`${server.url}/api/v1${route}`, { headers: { authorization: `Bearer ${token}` } }));

/** What the database outage must look like, on any route. */
function expectUnavailable(route: string, answer: Awaited<ReturnType<typeof answerOf>>) {
  expect(answer.status, `${route}: ${answer.text.slice(0, 200)}`).toBe(503);
  expect(answer.type).toMatch(/^application\/json/);
  expect(JSON.parse(answer.text)).toEqual({ error: { code: "service.unavailable", message: expect.stringMatching(/cannot reach its database/) } });
  expect(Number(answer.retryAfter)).toBeGreaterThan(0);
}

/** Polls `route` until the database answers it again. */
async function afterRestore(ask: () => Promise<Awaited<ReturnType<typeof answerOf>>>) {
  let back = await ask();
  for (let i = 0; i < 40 && back.status === 503; i++) {
    await new Promise((r) => setTimeout(r, 250));
    back = await ask();
  }
  return back;
}

describe("the API without its database", () => {
  it("answers 503 in its JSON error shape while PostgreSQL is unreachable, and 200 once it is back", async () => {
    expect((await get("/courses")).status).toBe(200);
    await proxy.cut();
    try {
      for (const route of ["/courses", `/courses/${DEMO_COURSE_SLUG}/labs`, "/submissions/nothing-here"]) expectUnavailable(route, await get(route));
    } finally {
      await proxy.restore();
    }
    expect((await afterRestore(() => get("/courses"))).status).toBe(200);
  });

  it("answers the same 503 on the routes signed in by the session cookie, and the session outlives the outage", async () => {
    const cookie = await signInOverHttp(server.url, "alice@demo.labgrade.test", DEMO_PASSWORD);
    const lab = await stack.db.lab.findFirstOrThrow({ where: { course: { slug: DEMO_COURSE_SLUG } }, orderBy: { slug: "asc" } });
    const withSession = (route: string, init: RequestInit = {}) => async () => answerOf(await fetch(`${server.url}${route}`, { ...init, headers: { cookie, ...init.headers } }));
    // Each route's own answer to a signed-in student: these do not exist, or are staff's.
    const reads: Array<[string, number, string]> = [
      ["/api/submissions/nothing-here", 404, '{"error":"submission not found"}'],
      ["/api/submissions/nothing-here/artifacts/nothing-here", 404, '{"error":"artifact not found"}'],
      ["/submissions/nothing-here/archive", 404, "submission not found\n"],
      [`/courses/${DEMO_COURSE_SLUG}/grades.csv`, 404, "course not found\n"],
    ];
    for (const [route, status, text] of reads) expect(await withSession(route)(), route).toMatchObject({ status, text });

    await proxy.cut();
    try {
      for (const [route] of reads) expectUnavailable(route, await withSession(route)());
      const upload = `/api/courses/${DEMO_COURSE_SLUG}/labs/${lab.slug}/submissions`;
      expectUnavailable(upload, await withSession(upload, { method: "POST", headers: { origin: server.url }, body: "" })());
    } finally {
      await proxy.restore();
    }
    // Still signed in: the same answers as before, not "sign in first".
    for (const [route, status, text] of reads) expect(await afterRestore(withSession(route)), route).toMatchObject({ status, text });
  });
});
