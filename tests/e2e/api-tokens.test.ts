// The REST API's personal tokens against the built app over HTTP: no token or
// a bad one is 401; a READ token reads but cannot submit (403); a SUBMIT
// token submits an archive (201) and reads its status; another student's
// submission and another course are 404; a bad archive is 422 with a code;
// a revoked or expired token stops working at its next call; and each token
// has its own per-minute limit (429 with Retry-After), counted in Redis; and
// one person holds at most OPEN_STREAMS progress streams open at once.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiToken, revokeApiToken } from "../../lib/api/tokens.js";
import type { Db } from "../../lib/db.js";
import { packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { actorByEmail } from "../support/actors.js";
import type { WebServer } from "../support/web-server.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";
import { createCourse } from "../support/factories.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CALLS_PER_MINUTE = 8;
const OPEN_STREAMS = 3;
let stack: WebStack;
let db: Db;
let server: WebServer;

const actor = (email: string) => actorByEmail(db, email);
const token = async (email: string, scope: "READ" | "SUBMIT", expiresInDays: number | null = 30) => (await createApiToken(db, await actor(email), { name: `${scope} ${randomBytes(2).toString("hex")}`, scope, expiresInDays })).token;

async function call(method: string, route: string, bearer: string | null, body?: Buffer) {
  const response = await fetch(`${server.url}/api/v1${route}`, {
    method,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body ? { "content-type": "application/gzip" } : {}) },
    body: body ? new Uint8Array(body) : undefined,
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

beforeAll(async () => {
  stack = await createWebStack("api-tokens", {
    seed: (db) => createCourse(db, { slug: "other-course", title: "Other course" }).then(() => undefined),
    env: { LABGRADE_API_CALLS_PER_MINUTE: String(CALLS_PER_MINUTE), LABGRADE_OPEN_STREAMS_PER_USER: String(OPEN_STREAMS) },
  });
  ({ db, server } = stack);
});

afterAll(async () => {
  await stack?.close();
});

describe("API tokens", () => {
  it("refuses calls without a valid token, with a JSON error that says what to send", async () => {
    const none = await call("GET", "/courses", null);
    expect(none.status).toBe(401);
    expect(none.json.error).toMatchObject({ code: "auth.token", message: expect.stringContaining("Authorization: Bearer") });
    expect((await call("GET", "/courses", "lgp_not-a-real-token-at-all-000000")).status).toBe(401);
  });

  it("lets a READ token read but not submit", async () => {
    const read = await token("alice@demo.labgrade.test", "READ");
    const courses = await call("GET", "/courses", read);
    expect(courses.status).toBe(200);
    expect(courses.json.courses).toEqual([{ slug: DEMO_COURSE_SLUG, title: "Distributed Systems (demo)", term: "Fall 2026", role: "STUDENT" }]);
    const labs = await call("GET", `/courses/${DEMO_COURSE_SLUG}/labs`, read);
    expect((labs.json.labs as Array<{ slug: string }>).map((l) => l.slug)).toContain("echo");
    const archive = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"));
    const refused = await call("POST", `/courses/${DEMO_COURSE_SLUG}/labs/echo/submissions`, read, archive);
    expect(refused.status).toBe(403);
    expect(refused.json.error?.code).toBe("auth.scope");
    expect(await db.submission.count()).toBe(0);
  });

  it("lets a SUBMIT token submit and follow its submission; others' things are 404; a bad archive is 422", async () => {
    const submit = await token("alice@demo.labgrade.test", "SUBMIT");
    const archive = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"));
    const created = await call("POST", `/courses/${DEMO_COURSE_SLUG}/labs/echo/submissions`, submit, archive);
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const status = await call("GET", `/submissions/${id}`, submit);
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({ id, course: DEMO_COURSE_SLUG, lab: "echo", status: "QUEUED", suiteVersion: 1, results: [] });
    const bob = await token("bob@demo.labgrade.test", "READ");
    expect((await call("GET", `/submissions/${id}`, bob)).status).toBe(404);
    expect((await call("GET", "/courses/other-course/labs", submit)).status).toBe(404);
    const bad = await call("POST", `/courses/${DEMO_COURSE_SLUG}/labs/echo/submissions`, submit, Buffer.from("this is not a tar archive"));
    expect(bad.status).toBe(422);
    expect(bad.json.error?.code).toMatch(/^archive\./);
    expect((await call("POST", `/courses/${DEMO_COURSE_SLUG}/labs/echo/submissions`, submit, Buffer.alloc(0))).json.error?.code).toBe("archive.missing");
  });

  it("refuses an archive over 50 MB sent without a declared length (chunked)", async () => {
    const submit = await token("carol@demo.labgrade.test", "SUBMIT");
    const MiB = 1024 * 1024;
    // 60 MiB of zeros, made as they are pulled: no Content-Length, so only reading tells the size.
    const chunked = (total: number) => {
      let made = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (made >= total) return controller.close();
          controller.enqueue(new Uint8Array(MiB));
          made += MiB;
        },
      });
    };
    const big = await fetch(`${server.url}/api/v1/courses/${DEMO_COURSE_SLUG}/labs/echo/submissions`, {
      method: "POST",
      headers: { authorization: `Bearer ${submit}`, "content-type": "application/gzip" },
      body: chunked(60 * MiB),
      duplex: "half",
    } as RequestInit);
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: "archive.too_large" } });
    expect(await db.submission.count({ where: { user: { email: "carol@demo.labgrade.test" } } })).toBe(0);
  });

  it("stops a revoked token and an expired one at their next call", async () => {
    const alice = await actor("alice@demo.labgrade.test");
    const made = await createApiToken(db, alice, { name: "to revoke", scope: "READ", expiresInDays: null });
    expect((await call("GET", "/courses", made.token)).status).toBe(200);
    await revokeApiToken(db, alice, made.id);
    expect((await call("GET", "/courses", made.token)).status).toBe(401);
    const expiring = await createApiToken(db, alice, { name: "short", scope: "READ", expiresInDays: 1 });
    await db.apiToken.update({ where: { id: expiring.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await call("GET", "/courses", expiring.token)).status).toBe(401);
    // Nobody revokes another person's token.
    await expect(revokeApiToken(db, await actor("bob@demo.labgrade.test"), expiring.id)).rejects.toThrow(/not found/);
  });

  it("limits each token to its calls per minute, independently of other tokens", async () => {
    const busy = await token("carol@demo.labgrade.test", "READ");
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < CALLS_PER_MINUTE + 2; i++) {
      last = await call("GET", "/courses", busy);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array<number>(CALLS_PER_MINUTE).fill(200), 429, 429]);
    expect(last!.json.error?.code).toBe("rate.limited");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(last!.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // Another token of the same person has its own count.
    expect((await call("GET", "/courses", await token("carol@demo.labgrade.test", "READ"))).status).toBe(200);
  });

  it("lets one person hold only so many progress streams open at once, whichever tokens open them", async () => {
    const submitted = async (email: string) => {
      const archive = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"));
      const created = await call("POST", `/courses/${DEMO_COURSE_SLUG}/labs/echo/submissions`, await token(email, "SUBMIT"), archive);
      expect(created.status).toBe(201);
      return created.json.id as string;
    };
    // No runner here: the submissions stay queued and their streams stay open.
    const alices = await submitted("alice@demo.labgrade.test");
    const bobs = await submitted("bob@demo.labgrade.test");
    const held: AbortController[] = [];
    const open = async (email: string, id: string) => {
      const abort = new AbortController();
      const response = await fetch(`${server.url}/api/v1/submissions/${id}/events`, { headers: { authorization: `Bearer ${await token(email, "READ")}` }, signal: abort.signal });
      if (response.status === 200) {
        held.push(abort);
        // The first event: the stream is open.
        const { value } = await response.body!.getReader().read();
        expect(new TextDecoder().decode(value)).toMatch(/^event: progress\n/);
      }
      return response;
    };
    try {
      for (let i = 0; i < OPEN_STREAMS; i++) expect((await open("alice@demo.labgrade.test", alices)).status).toBe(200);
      const refused = await open("alice@demo.labgrade.test", alices);
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(((await refused.json()) as { error: { code: string; message: string } }).error).toEqual({
        code: "streams.too_many",
        message: `you have ${OPEN_STREAMS} progress streams open, the most at once; close one (each \`labgrade watch\` holds one) and try again`,
      });
      // Somebody else is not held back by Alice's streams; someone else's submission is still 404 first.
      expect((await open("bob@demo.labgrade.test", bobs)).status).toBe(200);
      expect((await open("bob@demo.labgrade.test", alices)).status).toBe(404);
      // Closing one of hers makes room for one more (once the server has seen it close).
      held.shift()!.abort();
      await vi.waitFor(async () => expect((await open("alice@demo.labgrade.test", alices)).status).toBe(200), { timeout: 5000, interval: 200 });
      expect((await open("alice@demo.labgrade.test", alices)).status).toBe(429);
    } finally {
      for (const abort of held) abort.abort();
    }
  });

  it("makes a token on the account page, shown once, that works until revoked there", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ baseURL: server.url, viewport: { width: 1280, height: 900 }, permissions: ["clipboard-read", "clipboard-write"] });
      await signInWithForm(page, "bob@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto("/account");
      const form = page.getByTestId("new-token");
      await form.getByLabel("Name").fill("my laptop");
      await form.getByLabel("May").selectOption("READ");
      await form.getByRole("button", { name: "Make token" }).click();
      const status = form.getByRole("status");
      await status.waitFor();
      const made = /(lgp_[A-Za-z0-9_-]+)$/.exec((await status.textContent()) ?? "")?.[1];
      expect(made).toBeDefined();
      expect(await status.textContent()).toContain("valid until");
      await expect(form.getByLabel("Expires after (days; empty: never)").inputValue()).resolves.toBe("90");
      await expect(form.locator("#token-days-note").textContent()).resolves.toContain("expires after 90 days");
      // The CLI's login line, with this site's address and the token, copied by its button.
      const login = `labgrade login --server ${new URL(server.url).origin} --token ${made!}`;
      await expect(form.getByTestId("login-command").locator("pre code").textContent()).resolves.toBe(login);
      await form.getByRole("button", { name: "Copy command" }).click();
      await form.getByRole("button", { name: "Copied" }).waitFor();
      await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(login);
      expect((await call("GET", "/courses", made!)).status).toBe(200);
      await page.reload();
      // Listed by its first characters only; the token itself is not on the page any more.
      await expect(page.getByTestId("tokens").textContent()).resolves.toContain(`${made!.slice(0, 10)}…`);
      expect(await page.content()).not.toContain(made!);
      await page.getByRole("button", { name: "Revoke my laptop" }).click();
      // The page shows the row as revoked (its button is gone).
      await page.getByTestId("tokens").locator("tr", { hasText: "my laptop" }).filter({ hasText: "revoked" }).waitFor();
      expect((await call("GET", "/courses", made!)).status).toBe(401);
    } finally {
      await browser.close();
    }
  });
});
