// Requests crafted to break the server rather than use it, against the built
// app over HTTP: a suite that is a YAML alias bomb is a suite problem (422
// `suite.invalid` with its line, in the API and in the web editor), not a
// crash; a URL with malformed percent-encoding is a page or route that does
// not exist (404), not a server error; and a person's many tokens share one
// per-minute allowance instead of multiplying it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { signInOverHttp, type WebServer } from "../support/web-server.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";

const CALLS_PER_MINUTE_PER_TOKEN = 5;
const CALLS_PER_MINUTE_PER_USER = 12;
let stack: WebStack;
let db: Db;
let server: WebServer;

type Answer = { status: number; headers: Headers; body: { error?: { code: string; message: string; problems?: Array<{ line: number | null; message: string }> } } & Record<string, unknown> };

async function call(bearer: string | null, method: string, route: string, body?: { type: string; data: string }): Promise<Answer> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body ? { "content-type": body.type } : {}) },
    body: body?.data,
  });
  const text = await response.text();
  let parsed: Answer["body"] = {};
  try {
    parsed = JSON.parse(text) as Answer["body"];
  } catch {
    // not JSON (a page)
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

const tokenOf = (email: string, scope: "READ" | "SUBMIT" = "SUBMIT") => stack.token(email, scope, 1);

/**
 * A "billion laughs" suite: nine anchors, each a list of nine aliases of the
 * one before, so the last stands for 9^8 (43 million) strings. A few hundred
 * bytes of text.
 */
const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 8 }, (_, i) => {
    const name = String.fromCharCode(98 + i);
    const previous = String.fromCharCode(97 + i);
    return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(",")}]`;
  }),
  "tests:",
  "  - name: echo",
  "    workload: echo",
  "    nodes: *i",
  "",
].join("\n");

beforeAll(async () => {
  stack = await createWebStack("hostile-requests", {
    env: { LABGRADE_API_CALLS_PER_MINUTE: String(CALLS_PER_MINUTE_PER_TOKEN), LABGRADE_API_CALLS_PER_MINUTE_PER_USER: String(CALLS_PER_MINUTE_PER_USER) },
  });
  ({ db, server } = stack);
});

afterAll(async () => {
  await stack?.close();
});

describe("a YAML alias bomb in a suite", () => {
  it("is refused by the API as an invalid suite naming the line of the aliases", async () => {
    const answer = await call(await tokenOf("instructor@demo.labgrade.test"), "POST", `/api/v1/courses/${DEMO_COURSE_SLUG}/labs/echo/suite-versions`, { type: "application/yaml", data: ALIAS_BOMB });
    expect(answer.status).toBe(422);
    expect(answer.body.error?.code).toBe("suite.invalid");
    expect(answer.body.error?.problems).toEqual([{ line: 2, path: "", message: "the suite repeats anchored values (*name) more than 100 times over; write the values out, or use fewer aliases" }]);
    expect(await db.suiteVersion.count({ where: { lab: { slug: "echo" } } })).toBe(1);
  });

  it("is shown in the web suite editor as a problem by line", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ baseURL: server.url });
      await signInWithForm(page, "instructor@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto(`/courses/${DEMO_COURSE_SLUG}/labs/echo/suite`);
      await page.getByLabel("Suite (YAML or JSON)").fill(ALIAS_BOMB);
      await page.getByRole("button", { name: "Save as a new version" }).click();
      const problems = page.getByTestId("problems");
      await problems.waitFor();
      await expect(problems.textContent()).resolves.toMatch(/line 2.*more than 100 times/);
      expect(await db.suiteVersion.count({ where: { lab: { slug: "echo" } } })).toBe(1);
    } finally {
      await browser.close();
    }
  });
});

describe("malformed percent-encoding in a URL", () => {
  const BAD = ["%E0%A4%A", "%ZZ", "%", "a%2"];

  it("is a page that does not exist, signed in or not", async () => {
    const cookie = await signInOverHttp(server.url, "alice@demo.labgrade.test", DEMO_PASSWORD);
    for (const bad of BAD) {
      for (const route of [`/courses/${bad}`, `/courses/${DEMO_COURSE_SLUG}/labs/${bad}`, `/courses/${DEMO_COURSE_SLUG}/labs/echo/${bad}`, `/submissions/${bad}`, `/${bad}`]) {
        for (const headers of [{}, { cookie }] as Array<Record<string, string>>) {
          const response = await fetch(`${server.url}${route}`, { headers, redirect: "manual" });
          expect(response.status, `${route} ${"cookie" in headers ? "signed in" : "signed out"}`).toBe(404);
        }
      }
    }
    // A well-formed one still works (and a well-formed unknown slug is the usual 404).
    expect((await fetch(`${server.url}/courses/${DEMO_COURSE_SLUG}`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${server.url}/courses/no%20such%20course`, { headers: { cookie } })).status).toBe(404);
  });

  it("is an API route that does not exist, with the API's JSON error", async () => {
    const bearer = await tokenOf("bob@demo.labgrade.test");
    for (const bad of BAD) {
      for (const route of [`/api/v1/submissions/${bad}`, `/api/v1/courses/${bad}/labs`, `/api/v1/courses/${DEMO_COURSE_SLUG}/labs/${bad}/submissions`, `/api/submissions/${bad}`, `/api/submissions/${bad}/artifacts/x`]) {
        const answer = await call(bearer, "GET", route);
        expect(answer.status, route).toBe(404);
        expect(answer.body.error?.code, route).toBe("not_found");
      }
    }
    expect((await call(bearer, "GET", "/api/v1/courses")).status).toBe(200);
  });
});

describe("the API's per-minute limit", () => {
  it("is shared by all of a person's tokens, so twenty tokens do not multiply it", async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, () => tokenOf("carol@demo.labgrade.test", "READ")));
    const statuses: number[] = [];
    let last: Answer | undefined;
    // Round-robin: no single token comes near its own limit of CALLS_PER_MINUTE_PER_TOKEN.
    for (let i = 0; i < CALLS_PER_MINUTE_PER_USER + 3; i++) {
      last = await call(tokens[i % tokens.length]!, "GET", "/api/v1/courses");
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array<number>(CALLS_PER_MINUTE_PER_USER).fill(200), 429, 429, 429]);
    expect(last!.body.error).toEqual({
      code: "rate.limited",
      message: expect.stringMatching(new RegExp(`^too many calls with your tokens \\(${CALLS_PER_MINUTE_PER_USER} a minute across all of them\\); try again in \\d+ s$`)),
    });
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(last!.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // Somebody else is not held back by Carol's calls.
    expect((await call(await tokenOf("bob@demo.labgrade.test", "READ"), "GET", "/api/v1/courses")).status).toBe(200);
  });

  it("still holds each token to its own, smaller limit", async () => {
    const one = await tokenOf("alice@demo.labgrade.test", "READ");
    const statuses: number[] = [];
    for (let i = 0; i < CALLS_PER_MINUTE_PER_TOKEN + 1; i++) statuses.push((await call(one, "GET", "/api/v1/courses")).status);
    expect(statuses).toEqual([...Array<number>(CALLS_PER_MINUTE_PER_TOKEN).fill(200), 429]);
  });
});
