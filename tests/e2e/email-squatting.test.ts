// Email squatting, in a real browser against the built app, with a real SMTP
// server on loopback receiving the mail: someone with an open invitation link
// tries to make an account for an address they do not own; staff then import
// that address as a TA. The squatter must gain nothing (no account, no grading
// page, no grade export); the address's owner, reading the mail, makes the
// account and has the role. An existing account that never proved its address
// gets a role the import named only after confirming it from its account page.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInvitation } from "../../lib/courses/invitations.js";
import { importRoster } from "../../lib/courses/roster.js";
import type { Db } from "../../lib/db.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { actorByEmail } from "../support/actors.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { createUser } from "../support/factories.js";
import { linkIn, startMailServer, type MailServer } from "../support/mail-server.js";
import type { WebServer } from "../support/web-server.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";

const C = DEMO_COURSE_SLUG;
let stack: WebStack;
let db: Db;
let mail: MailServer;
let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  mail = await startMailServer();
  stack = await createWebStack("e2e-email-squatting", { env: { LABGRADE_SMTP_URL: mail.url } });
  ({ db, server } = stack);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stack?.close();
  await mail?.close();
});

async function withPage<T>(work: (page: Page) => Promise<T>): Promise<T> {
  const context = await browser.newContext({ baseURL: server.url });
  try {
    return await work(await context.newPage());
  } finally {
    await context.close();
  }
}

/** What a signed-in page answers (a visitor who is not signed in is sent to /signin). */
async function reach(page: Page, path: string): Promise<string> {
  const response = await page.goto(path);
  const url = new URL(page.url());
  return url.pathname === "/signin" ? "sign in" : String(response?.status());
}

describe("an open invitation link and someone else's address", () => {
  it("gives the squatter nothing, and the address's owner the account and the role staff import", async () => {
    const instructor = await actorByEmail(db, "instructor@demo.labgrade.test");
    const link = (await createInvitation(db, instructor, C, { role: "STUDENT", email: null, maxUses: 50, expiresInDays: 7 })).path;
    const victim = "real.ta@uni.test";
    const squattersPassword = "squatters-password-1";

    // The squatter fills in the invitation form with the victim's address (and a password, where the form asks for one).
    await withPage(async (page) => {
      await page.goto(link);
      const form = page.getByTestId("sign-up");
      await form.getByLabel("Email").fill(victim);
      for (const field of await form.locator('input[type="password"]').all()) await field.fill(squattersPassword);
      if (await form.getByLabel("Your name").count()) await form.getByLabel("Your name").fill("Not Really");
      await form.getByRole("button").click();
      await page.waitForLoadState("networkidle");
    });
    // Staff import the address as a TA.
    await importRoster(db, instructor, { courseSlug: C, csv: `email,name,role\n${victim},Real TA,ta\n` });

    // The squatter cannot sign in with the password they chose, so reaches no staff page.
    await withPage(async (page) => {
      await signInWithForm(page, victim, squattersPassword);
      await page.waitForLoadState("networkidle");
      expect(await reach(page, `/courses/${C}/grading`)).toBe("sign in");
      expect(await reach(page, `/courses/${C}/grades.csv`)).toBe("401");
    });

    expect(await db.user.findUniqueOrThrow({ where: { email: victim } })).toMatchObject({ passwordHash: null, emailVerified: null });

    // The owner reads the mail the squatter's request sent, makes the account, and is the TA.
    const proof = linkIn(await mail.waitFor(victim));
    expect(proof.origin).toBe(server.url);
    await withPage(async (page) => {
      await page.goto(proof.pathname);
      await page.getByLabel("Your name").fill("Real TA");
      await page.getByLabel("Password (at least 10 characters)").fill("the-owners-password");
      await page.getByLabel("The same password again").fill("the-owners-password");
      await page.getByRole("button", { name: "Create account and join" }).click();
      await page.waitForURL(`**/courses/${C}`);
      expect(await reach(page, `/courses/${C}/grading`)).toBe("200");
      // The link worked once.
      expect(await reach(page, proof.pathname)).toBe("404");
    });
    const owner = await db.user.findUniqueOrThrow({ where: { email: victim }, include: { memberships: true } });
    expect(owner.emailVerified).not.toBeNull();
    expect(owner.memberships.map((m) => m.role)).toEqual(["TA"]);
  });
});

describe("an account that never proved its address", () => {
  it("takes the role an import named only after confirming the address from its account page", async () => {
    const email = "old.account@uni.test";
    await createUser(db, { email, name: "Old Account", password: DEMO_PASSWORD, proven: false });
    const instructor = await actorByEmail(db, "instructor@demo.labgrade.test");
    expect(await importRoster(db, instructor, { courseSlug: C, csv: `email,role\n${email},ta\n` })).toMatchObject({ waiting: 1, added: 0 });
    await withPage(async (page) => {
      await signInWithForm(page, email, DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      expect(await reach(page, `/courses/${C}/grading`)).toBe("404");
      await page.goto("/account");
      await expect(page.getByTestId("email-state").textContent()).resolves.toContain("(not confirmed)");
      const since = mail.messages.length;
      await page.getByRole("button", { name: "Email me a link to confirm it" }).click();
      await page.getByRole("status").filter({ hasText: `We sent a link to ${email}` }).waitFor();
      const proof = linkIn(await mail.waitFor(email, { since }));
      await page.goto(proof.pathname);
      await page.getByRole("button", { name: `Confirm ${email} is mine` }).click();
      await page.waitForURL((url) => url.pathname === "/account");
      await expect(page.getByTestId("email-state").textContent()).resolves.toContain("(confirmed)");
      expect(await reach(page, `/courses/${C}/grading`)).toBe("200");
    });
  });
});
