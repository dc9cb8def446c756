// An email address is an identity only once it is proven, and it is matched
// exactly. Against the real database (and a real SMTP server for the mailed
// links): "%" and "_" in a typed address match nobody (they were LIKE
// wildcards); emails are stored normalised, enforced by the database; a roster
// import, an invitation for an address and single sign-on give nothing to an
// account that never proved its address (the squatter who made an account for
// someone else's address through an open invitation link), and the same row
// attaches once the real owner proves it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyCredentials } from "../../lib/auth/credentials.js";
import { confirmAccountEmail, MAX_PROOF_MAILS_PER_HOUR, sendAccountEmailProof } from "../../lib/auth/email-proof.js";
import { hashPassword } from "../../lib/auth/password.js";
import { userForSsoIdentity } from "../../lib/auth/sso.js";
import { grantExtension } from "../../lib/courses/extensions.js";
import { acceptInvitation, createInvitation } from "../../lib/courses/invitations.js";
import { importRoster, listRoster } from "../../lib/courses/roster.js";
import { createDb, type Db } from "../../lib/db.js";
import { ForbiddenError, NotFoundError, StudentError } from "../../lib/errors.js";
import { gradeTable } from "../../lib/grades/export.js";
import { createMailer, type Mailer } from "../../lib/mail/mailer.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { actorByEmail } from "../support/actors.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { linkIn, startMailServer, type MailServer } from "../support/mail-server.js";

const C = DEMO_COURSE_SLUG;
let database: ScratchDatabase;
let db: Db;
let mail: MailServer;
let mailer: Mailer;
const actor = (email: string) => actorByEmail(db, email);

/** An account with a password that never proved its address: what an open invitation link used to make for anyone. */
async function unprovenAccount(email: string, password = "squatters-password-1") {
  return db.user.create({ data: { email, name: "Someone", passwordHash: await hashPassword(password) } });
}

/** The signed-in account mails itself a link and confirms it, as the account page does. */
async function proveEmail(email: string) {
  const me = await actor(email);
  const since = mail.messages.length;
  await sendAccountEmailProof(db, mailer, me);
  const secret = linkIn(await mail.waitFor(email, { since })).pathname.split("/").pop()!;
  return confirmAccountEmail(db, me, secret);
}

beforeAll(async () => {
  database = await createMigratedDatabase("email-identity");
  db = createDb(database.url);
  await seedDemoCourse(db);
  mail = await startMailServer();
  mailer = createMailer({ LABGRADE_SMTP_URL: mail.url, LABGRADE_MAIL_FROM: "Labgrade <no-reply@labgrade.test>", LABGRADE_MAIL_DIR: "unused" });
});

afterAll(async () => {
  await mail?.close();
  await db?.$disconnect();
  await database?.drop();
});

describe("email lookups", () => {
  it("matches the address exactly: % and _ sign in as nobody, other cases and spaces as the account", async () => {
    await db.user.create({ data: { email: "lock1@example.test", name: "Lock One", passwordHash: await hashPassword(DEMO_PASSWORD) } });
    for (const spelling of ["lock_@example.test", "%@example.test", "lock%", "%"]) {
      expect(await verifyCredentials(db, spelling, DEMO_PASSWORD), spelling).toBeNull();
    }
    expect(await verifyCredentials(db, " LOCK1@Example.test ", DEMO_PASSWORD)).toMatchObject({ email: "lock1@example.test" });
  });

  it("grants an extension only to the student the address names exactly", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const dueAt = new Date(Date.now() + 30 * 24 * 3600_000);
    for (const spelling of ["_lice@demo.labgrade.test", "%@demo.labgrade.test"]) {
      await expect(grantExtension(db, instructor, { courseSlug: C, labSlug: "echo", studentEmail: spelling, dueAt })).rejects.toThrow(/no student with the email/);
    }
    expect(await db.extension.count()).toBe(0);
    await grantExtension(db, instructor, { courseSlug: C, labSlug: "echo", studentEmail: " Alice@demo.labgrade.test", dueAt });
    expect(await db.extension.count({ where: { user: { email: "alice@demo.labgrade.test" } } })).toBe(1);
  });

  it("stores emails only trimmed and lower-case: the database refuses any other spelling", async () => {
    await expect(db.user.create({ data: { email: "Mixed@Example.test" } })).rejects.toThrow(/User_email_normalised/);
    await expect(db.user.create({ data: { email: " spaced@example.test" } })).rejects.toThrow(/User_email_normalised/);
  });
});

describe("roles and identities through an email", () => {
  it("gives an imported TA role to an account only once it proves the address, and lists the row as waiting until then", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    await unprovenAccount("future.ta@uni.test");
    const squatter = await actor("future.ta@uni.test");
    expect(await importRoster(db, instructor, { courseSlug: C, csv: "email,role\nfuture.ta@uni.test,ta\nfresh.ta@uni.test,ta\n" })).toMatchObject({ added: 1, newAccounts: 1, waiting: 1 });
    // The squatter's account has no role: no roster, no grades.
    await expect(listRoster(db, squatter, C)).rejects.toBeInstanceOf(NotFoundError);
    await expect(gradeTable(db, squatter, C)).rejects.toBeInstanceOf(NotFoundError);
    const { members, waiting } = await listRoster(db, instructor, C);
    expect(waiting.map((w) => [w.email, w.role])).toEqual([["future.ta@uni.test", "TA"]]);
    expect(members.find((m) => m.email === "future.ta@uni.test")).toBeUndefined();
    // A new address gets its account (nobody can sign in to it yet) with the role at once.
    expect(members.find((m) => m.email === "fresh.ta@uni.test")).toMatchObject({ role: "TA", signIn: "none yet" });

    // The address's owner (here: whoever reads its mail) proves it: the role attaches.
    expect(await proveEmail("future.ta@uni.test")).toMatchObject({ email: "future.ta@uni.test", attached: 1 });
    expect((await listRoster(db, squatter, C)).role).toBe("TA");
    expect((await listRoster(db, instructor, C)).waiting).toEqual([]);
  });

  it("confirms an address only for the signed-in account the link was sent to, and mails at most a few links an hour", async () => {
    await unprovenAccount("mallory@uni.test");
    const mallory = await actor("mallory@uni.test");
    const since = mail.messages.length;
    await sendAccountEmailProof(db, mailer, mallory);
    const secret = linkIn(await mail.waitFor("mallory@uni.test", { since })).pathname.split("/").pop()!;
    await expect(confirmAccountEmail(db, await actor("bob@demo.labgrade.test"), secret)).rejects.toBeInstanceOf(ForbiddenError);
    for (let i = 1; i < MAX_PROOF_MAILS_PER_HOUR; i++) await sendAccountEmailProof(db, mailer, mallory);
    await expect(sendAccountEmailProof(db, mailer, mallory)).rejects.toThrow(/links went to mallory@uni.test in the last hour/);
    await confirmAccountEmail(db, mallory, secret);
    await expect(confirmAccountEmail(db, mallory, secret)).rejects.toBeInstanceOf(NotFoundError);
    await expect(sendAccountEmailProof(db, mailer, mallory)).rejects.toThrow(/already proven/);
  });

  it("lets an invitation addressed to an email be used only by an account that proved it", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    await unprovenAccount("invited.ta@uni.test");
    const holder = await actor("invited.ta@uni.test");
    const secret = (await createInvitation(db, instructor, C, { role: "TA", email: "invited.ta@uni.test", maxUses: 1, expiresInDays: 7 })).path.split("/").pop()!;
    const refused = await acceptInvitation(db, holder, secret).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StudentError);
    expect((refused as StudentError).code).toBe("invitation.email_unproven");
    await expect(listRoster(db, holder, C)).rejects.toBeInstanceOf(NotFoundError);
    await proveEmail("invited.ta@uni.test");
    expect(await acceptInvitation(db, holder, secret)).toMatchObject({ joined: true, role: "TA" });
  });

  it("links single sign-on to a proven account or one nobody can sign in to, never to an unproven account with a password", async () => {
    const squatter = await unprovenAccount("victim@uni.test");
    const refused = await userForSsoIdentity(db, { subject: "uni-victim", email: "victim@uni.test", emailVerified: true, name: "Victim" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StudentError);
    expect((refused as StudentError).code).toBe("sso.unproven_account");
    expect(await db.account.count({ where: { userId: squatter.id } })).toBe(0);

    // Imported (no password, no identity): linked, its address now proven, its waiting roles attached.
    const instructor = await actor("instructor@demo.labgrade.test");
    await importRoster(db, instructor, { courseSlug: C, csv: "email,role\nimported@uni.test,student\n" });
    const linked = await userForSsoIdentity(db, { subject: "uni-imported", email: "Imported@uni.test", emailVerified: true, name: "Imported" });
    const user = await db.user.findUniqueOrThrow({ where: { id: linked.id }, include: { accounts: true, memberships: true } });
    expect(user).toMatchObject({ email: "imported@uni.test", accounts: [expect.objectContaining({ providerAccountId: "uni-imported" })], memberships: [expect.objectContaining({ role: "STUDENT" })] });
    expect(user.emailVerified).not.toBeNull();
  });
});
