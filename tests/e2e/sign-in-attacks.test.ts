// Sign-in attacked over HTTP and in a browser, against the built app (our
// server.ts in front of Next), real PostgreSQL and Redis:
//   - an address with "%" or "_" signs in as nobody, and guesses spread over
//     spellings of one address all count against that one account;
//   - the per-address limit counts the socket's peer: a fresh X-Forwarded-For
//     (or our own header, sent by the client) after 30 failures changes nothing;
//   - a saved session cookie stops working after signing out, after a password
//     change (other browsers), after a staff password reset and after "sign out
//     everywhere"; the platform-admin flag is read afresh, not from the cookie;
//   - /signin?next=/<tab>/host:port/x, then signing in, stays on the site.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Redis from "ioredis";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPasswordLink, spendPasswordLink } from "../../lib/auth/password-links.js";
import { hashPassword } from "../../lib/auth/password.js";
import { createDb, type Db } from "../../lib/db.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { actorByEmail } from "../support/actors.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { REDIS_URL } from "../support/grading-stack.js";
import { startWebServer, type WebServer } from "../support/web-server.js";

let database: ScratchDatabase;
let db: Db;
let browser: Browser;
const servers: WebServer[] = [];

/** The built app on the test's database, with its own Redis key prefix (its own sign-in counts). */
async function webServer(): Promise<WebServer & { prefix: string }> {
  const prefix = `test-signin-${randomBytes(4).toString("hex")}`;
  const server = await startWebServer({ env: { DATABASE_URL: database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: prefix, AUTH_SECRET: randomBytes(32).toString("hex") } });
  servers.push(server);
  return Object.assign(server, { prefix });
}

interface Attempt {
  /** The session cookie ("name=value"), when the sign-in worked. */
  session: string | null;
  /** Where Auth.js sent the browser (a refusal carries its code there). */
  location: string;
}

/** One POST to Auth.js's credentials callback, as a script would send it (extra headers: whatever a client may add). */
async function attempt(base: string, email: string, password: string, extra: Record<string, string> = {}): Promise<Attempt> {
  const csrf = await fetch(`${base}/api/auth/csrf`, { headers: extra });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookies = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...extra, "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password }),
  });
  const session = response.headers.getSetCookie().find((c) => /session-token=[^;]/.test(c));
  return { session: session ? session.split(";")[0]! : null, location: response.headers.get("location") ?? "" };
}

async function signedIn(base: string, email: string, password = DEMO_PASSWORD): Promise<string> {
  const result = await attempt(base, email, password);
  if (!result.session) throw new Error(`sign-in as ${email} failed: ${result.location}`);
  return result.session;
}

/** Whether a saved cookie still opens /account (a signed-out visitor is sent to /signin). */
async function stillSignedIn(base: string, cookie: string): Promise<boolean> {
  const response = await fetch(`${base}/account`, { headers: { cookie }, redirect: "manual" });
  if (response.status === 200) return true;
  expect(response.headers.get("location") ?? "").toMatch(/\/signin/);
  return false;
}

async function signOutOverHttp(base: string, cookie: string): Promise<void> {
  const csrf = await fetch(`${base}/api/auth/csrf`, { headers: { cookie } });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookies = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
  const response = await fetch(`${base}/api/auth/signout`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: [cookie, ...csrfCookies].join("; ") },
    body: new URLSearchParams({ csrfToken }),
  });
  expect(response.status).toBe(302);
}

beforeAll(async () => {
  database = await createMigratedDatabase("e2e-sign-in-attacks");
  db = createDb(database.url);
  await seedDemoCourse(db);
  await db.user.create({ data: { email: "lock1@example.test", name: "Lock One", passwordHash: await hashPassword(DEMO_PASSWORD), emailVerified: new Date() } });
  await db.course.create({ data: { slug: "nobodys-course", title: "Nobody's course" } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  for (const s of servers) await s.stop();
  await db?.$disconnect();
  await database?.drop();
});

describe("email spellings", () => {
  let server: WebServer;
  beforeAll(async () => {
    server = await webServer();
  });

  it("signs in as nobody with % or _ in place of the address's letters", async () => {
    for (const spelling of ["lock_@example.test", "%@example.test"]) {
      const result = await attempt(server.url, spelling, DEMO_PASSWORD);
      expect(result.session, `${spelling} signed in`).toBeNull();
      expect(result.location).toContain("error=CredentialsSignin");
    }
  });

  it("gives guesses spread over wildcard spellings no way in, and counts every real spelling against the one account", async () => {
    // Each wildcard spelling once had its own count, while each matched lock1@example.test.
    const wildcards = ["lock_@example.test", "loc_1@example.test", "lo_k1@example.test", "l_ck1@example.test", "_ock1@example.test"];
    for (const spelling of wildcards) for (let i = 0; i < 4; i++) await attempt(server.url, spelling, `wrong-guess-${i}`);
    expect((await attempt(server.url, "lock1@exampl_.test", DEMO_PASSWORD)).session).toBeNull();
    // Five wrong guesses under spellings that do name the account lock it.
    for (const spelling of ["LOCK1@example.test", " lock1@example.test", "Lock1@Example.Test", "lock1@EXAMPLE.test ", "lock1@example.test"]) await attempt(server.url, spelling, "wrong-again");
    const right = await attempt(server.url, "lock1@example.test", DEMO_PASSWORD);
    expect(right.session).toBeNull();
    expect(decodeURIComponent(right.location)).toMatch(/code=locked:account:/);
  });
});

describe("the client's address", () => {
  it("is the socket's: a new X-Forwarded-For (or our own header) after 30 failures is still refused", async () => {
    const server = await webServer();
    for (let i = 0; i < 30; i++) {
      await attempt(server.url, `nobody${i}@example.test`, "wrong-password", { "x-forwarded-for": `198.18.7.${i + 1}`, "x-real-ip": `198.18.8.${i + 1}` });
    }
    const spoofs: Array<Record<string, string>> = [{ "x-forwarded-for": "198.18.9.1" }, { "x-real-ip": "198.18.9.2" }, { "x-labgrade-client-address": "198.18.9.3" }];
    for (const spoof of spoofs) {
      const next = await attempt(server.url, "alice@demo.labgrade.test", DEMO_PASSWORD, spoof);
      expect(next.session, JSON.stringify(spoof)).toBeNull();
      expect(decodeURIComponent(next.location)).toMatch(/code=locked:address:/);
    }
    // Counted under the socket's peer, not under one bucket for clients of unknown address.
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.keys(`${server.prefix}:signin:address:*`)).toEqual([`${server.prefix}:signin:address:127.0.0.1`]);
    } finally {
      redis.disconnect();
    }
    expect(server.output()).not.toContain("not started through server.ts");
  });
});

describe("sessions", () => {
  let server: WebServer;
  beforeAll(async () => {
    server = await webServer();
  });

  it("ends a saved cookie when its session signs out", async () => {
    const cookie = await signedIn(server.url, "carol@demo.labgrade.test");
    expect(await stillSignedIn(server.url, cookie)).toBe(true);
    await signOutOverHttp(server.url, cookie);
    expect(await stillSignedIn(server.url, cookie)).toBe(false);
  });

  it("ends the other sessions when the password is changed, and keeps the changer's", async () => {
    const saved = await signedIn(server.url, "bob@demo.labgrade.test");
    const context = await browser.newContext({ baseURL: server.url });
    try {
      const page = await context.newPage();
      await signInWithForm(page, "bob@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto("/account");
      const form = page.getByTestId("password-form");
      await form.getByLabel("Current password").fill(DEMO_PASSWORD);
      await form.getByLabel(/^New password \(/).fill("bobs-brand-new-password");
      await form.getByLabel("New password again").fill("bobs-brand-new-password");
      await form.getByRole("button", { name: "Change password" }).click();
      await page.getByRole("status").filter({ hasText: "Your password is changed" }).waitFor();
      expect(await stillSignedIn(server.url, saved)).toBe(false);
      expect((await page.goto("/account"))?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe("/account");
    } finally {
      await context.close();
    }
  });

  it("ends every session of an account whose password staff reset", async () => {
    const saved = await signedIn(server.url, "alice@demo.labgrade.test");
    // Alice is only in the demo course here, so its instructor may reset her password.
    const instructor = await actorByEmail(db, "instructor@demo.labgrade.test");
    const alice = await actorByEmail(db, "alice@demo.labgrade.test");
    const link = await createPasswordLink(db, instructor, { courseSlug: DEMO_COURSE_SLUG, userId: alice.userId });
    await spendPasswordLink(db, null, { secret: link.path.split("/").pop()!, next: "alices-reset-password", repeat: "alices-reset-password" });
    expect(await stillSignedIn(server.url, saved)).toBe(false);
  });

  it("reads the platform-admin flag from the database on every request, not from the cookie", async () => {
    const cookie = await signedIn(server.url, "admin@demo.labgrade.test");
    const course = () => fetch(`${server.url}/courses/nobodys-course`, { headers: { cookie }, redirect: "manual" }).then((r) => r.status);
    expect(await course()).toBe(200);
    await db.user.update({ where: { email: "admin@demo.labgrade.test" }, data: { isPlatformAdmin: false } });
    try {
      expect(await course()).toBe(404);
    } finally {
      await db.user.update({ where: { email: "admin@demo.labgrade.test" }, data: { isPlatformAdmin: true } });
    }
  });

  it("signs every browser out with \"Sign out everywhere\"", async () => {
    const saved = [await signedIn(server.url, "ta@demo.labgrade.test"), await signedIn(server.url, "ta@demo.labgrade.test")];
    const context = await browser.newContext({ baseURL: server.url });
    try {
      const page = await context.newPage();
      await signInWithForm(page, "ta@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto("/account");
      await page.getByRole("button", { name: "Sign out everywhere" }).click();
      await page.waitForURL((url) => url.pathname === "/signin");
      for (const cookie of saved) expect(await stillSignedIn(server.url, cookie)).toBe(false);
      await page.goto("/account");
      expect(new URL(page.url()).pathname).toBe("/signin");
    } finally {
      await context.close();
    }
  });
});

describe("return paths", () => {
  let server: WebServer;
  let elsewhere: Server;
  const visits: string[] = [];
  beforeAll(async () => {
    server = await webServer();
    // Another origin on loopback that records whoever arrives.
    elsewhere = createServer((req, res) => {
      visits.push(req.url ?? "");
      res.end("elsewhere");
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    if (elsewhere) await new Promise((resolve) => elsewhere.close(resolve));
  });

  it("stays on the site after signing in from /signin?next=/<tab>/host/x", async () => {
    const port = (elsewhere.address() as AddressInfo).port;
    const context = await browser.newContext({ baseURL: server.url });
    try {
      const page = await context.newPage();
      await page.goto(`/signin?next=${encodeURIComponent(`/\t/127.0.0.1:${port}/x`)}`);
      await page.getByLabel("Email").fill("carol@demo.labgrade.test");
      await page.getByLabel("Password").fill(DEMO_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL((url) => url.origin !== server.url || url.pathname !== "/signin");
      await page.waitForLoadState("load");
      expect(new URL(page.url()).origin).toBe(server.url);
      expect(new URL(page.url()).pathname).toBe("/");
      expect(visits).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
