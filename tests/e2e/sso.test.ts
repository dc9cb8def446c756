// University single sign-on against a real OpenID provider (the
// `oidc-provider` package, run on loopback in this process, with its own
// login and consent pages) and the built app in a real browser: a student
// imported from a roster signs in without ever having had a password and
// lands in their course; a newcomer gets an account with no course; the same
// university subject is the same user next time; an identity without a
// verified email, one claiming a platform admin's email, and one whose email
// belongs to an account that never proved it (a squatter's), are refused.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import Provider from "oidc-provider";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { launchBrowser } from "../support/browser.js";
import { addMember, createUser } from "../support/factories.js";
import { freePort, type WebServer } from "../support/web-server.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
let stack: WebStack;
let db: Db;
let server: WebServer;
let browser: Browser;
let issuerServer: Server;

/** The people the provider's identities meet, besides the demo course's. */
async function seedPeople(db: Db): Promise<void> {
  // Imported from a roster: a member with no password and no account anywhere else.
  const course = await db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
  const imported = await createUser(db, { email: "sso.student@uni.test", name: "Sso Student", proven: false });
  await addMember(db, course.id, imported.id, "STUDENT");
  // Made by someone who typed this address into a form and chose a password, never proving it.
  await createUser(db, { email: "squatted@uni.test", name: "Squatter", password: "squatters-password-1", proven: false });
}

beforeAll(async () => {
  const issuerPort = await freePort();
  const issuer = `http://127.0.0.1:${issuerPort}`;
  const clientSecret = randomBytes(24).toString("hex");
  stack = await createWebStack("sso", {
    seed: seedPeople,
    env: {
      LABGRADE_OIDC_ISSUER: issuer,
      LABGRADE_OIDC_CLIENT_ID: "labgrade",
      LABGRADE_OIDC_CLIENT_SECRET: clientSecret,
      LABGRADE_OIDC_NAME: "Uni Login",
    },
    // Next.js calls 127.0.0.1 "localhost" in route handlers; the callback URL must read the same at both ends.
    siteName: "localhost",
  });
  ({ db, server } = stack);
  const provider = new Provider(issuer, {
    clients: [{ client_id: "labgrade", client_secret: clientSecret, redirect_uris: [`${server.url}/api/auth/callback/sso`], response_types: ["code"], grant_types: ["authorization_code"] }],
    // Whatever login is typed on the provider's page is the account; its email is the login,
    // verified unless the login starts with "unverified".
    async findAccount(_ctx, id) {
      return { accountId: id, claims: async () => ({ sub: id, email: id, email_verified: !id.startsWith("unverified"), name: `Uni ${id.split("@")[0]}` }) };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // Put the scopes' claims in the ID token, as university providers commonly do.
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(16).toString("hex")] },
  });
  const handle = provider.callback();
  issuerServer = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => issuerServer.listen(issuerPort, "127.0.0.1", resolve));
  browser = await launchBrowser();
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stack?.close();
  if (issuerServer) await new Promise((resolve) => issuerServer.close(resolve));
});

/** Signs in through the provider's own pages as `login`; the page ends wherever the app sends it. */
async function signInWithSso(page: Page, login: string, screenshot?: string): Promise<void> {
  await page.goto("/signin");
  if (screenshot) await page.screenshot({ path: path.join(SCREENSHOTS, screenshot), fullPage: true });
  await page.getByRole("button", { name: "Sign in with Uni Login" }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("anything");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL((url) => url.origin === server.url);
}

async function withPage<T>(work: (page: Page) => Promise<T>): Promise<T> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  // Tests talk to loopback only: the provider's built-in pages link a web font elsewhere.
  await context.route((url) => !["127.0.0.1", "localhost"].includes(url.hostname), (route) => route.abort());
  try {
    return await work(await context.newPage());
  } finally {
    await context.close();
  }
}

describe("single sign-on through a real OpenID provider", () => {
  it("signs in a student imported from a roster, who never had a password, into their course", async () => {
    await withPage(async (page) => {
      await signInWithSso(page, "sso.student@uni.test", "signin-sso.png");
      await page.waitForURL((url) => url.pathname === "/");
      await expect(page.getByRole("link", { name: "Distributed Systems (demo)" }).count()).resolves.toBe(1);
      expect((await page.goto(`/courses/${DEMO_COURSE_SLUG}/labs/echo`))?.status()).toBe(200);
    });
    const user = await db.user.findUniqueOrThrow({ where: { email: "sso.student@uni.test" }, include: { accounts: true } });
    expect(user.passwordHash).toBeNull();
    expect(user.accounts.map((a) => [a.provider, a.providerAccountId])).toEqual([["sso", "sso.student@uni.test"]]);
  });

  it("gives a newcomer an account with no course, and the same user the next time", async () => {
    await withPage(async (page) => {
      await signInWithSso(page, "new.person@uni.test");
      await page.waitForURL((url) => url.pathname === "/");
      expect((await page.goto(`/courses/${DEMO_COURSE_SLUG}`))?.status()).toBe(404);
    });
    await withPage((page) => signInWithSso(page, "new.person@uni.test"));
    expect(await db.user.count({ where: { email: "new.person@uni.test" } })).toBe(1);
    expect(await db.account.count({ where: { provider: "sso", providerAccountId: "new.person@uni.test" } })).toBe(1);
  });

  it("refuses an identity without a verified email, one claiming a platform admin's email, and one whose email a never-confirmed account holds", async () => {
    for (const [login, message] of [
      ["unverified@uni.test", "did not give a verified email address"],
      ["admin@demo.labgrade.test", "Platform admins sign in with their password"],
      ["squatted@uni.test", "never confirmed the address"],
    ] as const) {
      await withPage(async (page) => {
        await signInWithSso(page, login);
        await page.waitForURL((url) => url.pathname === "/signin");
        await expect(page.getByRole("alert").filter({ hasText: message }).count()).resolves.toBe(1);
        // Not signed in: a course page sends the visitor to sign in.
        await page.goto(`/courses/${DEMO_COURSE_SLUG}`);
        expect(new URL(page.url()).pathname).toBe("/signin");
      });
    }
    expect(await db.user.count({ where: { email: "unverified@uni.test" } })).toBe(0);
    expect(await db.account.count({ where: { user: { email: "admin@demo.labgrade.test" } } })).toBe(0);
    expect(await db.account.count({ where: { user: { email: "squatted@uni.test" } } })).toBe(0);
  });
});
