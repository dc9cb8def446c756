// Proving an email address: a one-time link mailed to it. Opening the link
// shows the holder receives mail there, and only then does the address count
// as theirs: a roster row for it becomes a role (pending-memberships.ts), an
// invitation addressed to it may be used, SSO may link to the account. The
// link's secret is never stored (only its sha256), it lasts EMAIL_PROOF_HOURS,
// and it works once. Two kinds:
//   - for a signed-in account (`userId`): confirmed by pressing a button while
//     signed in as that same account, so neither a mail scanner fetching the
//     link nor a stranger who was sent one can prove an address for anyone;
//   - for a sign-up through an invitation (invitationId; invitations.ts): the
//     account is made only when the link is opened, with the password chosen
//     then, so nobody can make an account for an address they cannot read.
// At most MAX_PROOF_MAILS_PER_HOUR links go to one address an hour.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { sha256 } from "../blobs.js";
import { siteUrl } from "../config.js";
import type { Actor } from "../courses/access.js";
import { attachPendingMemberships } from "../courses/pending-memberships.js";
import type { Db, Tx } from "../db.js";
import { ForbiddenError, NotFoundError, StudentError } from "../errors.js";
import type { Mailer } from "../mail/mailer.js";
import { normaliseEmail } from "./email.js";

export const EMAIL_PROOF_HOURS = 24;
export const MAX_PROOF_MAILS_PER_HOUR = 3;

/** What every entry point accepts as an address (then normalised). */
export const emailAddress = z.email("Enter a valid email address").max(320);

/** The address, normalised, or a StudentError in words. */
export function parseEmailAddress(text: string): string {
  const email = normaliseEmail(text);
  if (!emailAddress.safeParse(email).success) throw new StudentError("email.invalid", email ? `"${email.slice(0, 320)}" is not an email address` : "enter your email address");
  return email;
}

/** A new proof for `email`; returns the secret for the link. Refuses past the hourly limit for the address. */
export async function createEmailProof(db: Db | Tx, input: { email: string; userId?: string; invitationId?: string; returnTo?: string | null }, now = new Date()): Promise<string> {
  const recent = await db.emailProof.count({ where: { email: input.email, createdAt: { gt: new Date(now.getTime() - 3600_000) } } });
  if (recent >= MAX_PROOF_MAILS_PER_HOUR) {
    throw new StudentError("email.too_many", `${MAX_PROOF_MAILS_PER_HOUR} links went to ${input.email} in the last hour; use the newest one, or try again later`);
  }
  const secret = randomBytes(32).toString("base64url");
  await db.emailProof.create({
    data: { tokenHash: sha256(secret), email: input.email, userId: input.userId ?? null, invitationId: input.invitationId ?? null, returnTo: input.returnTo ?? null, expiresAt: new Date(now.getTime() + EMAIL_PROOF_HOURS * 3600_000), createdAt: now },
  });
  return secret;
}

/** The address of a proof link on this site (never built from a request's Host). */
export function emailProofUrl(secret: string): string {
  return new URL(`/confirm-email/${secret}`, siteUrl()).toString();
}

/** An unexpired proof for the link; NotFoundError for unknown or used, StudentError for expired. */
export async function emailProofOrThrow(db: Db | Tx, secret: string, now = new Date()) {
  const proof = await db.emailProof.findUnique({
    where: { tokenHash: sha256(secret) },
    include: { invitation: { include: { course: { select: { slug: true, title: true } } } }, user: { select: { id: true, email: true, emailVerified: true } } },
  });
  if (!proof) throw new NotFoundError("link");
  if (proof.expiresAt <= now) throw new StudentError("email.link_expired", "this link has expired; ask for a new one");
  return proof;
}

/** Spends a proof inside a transaction; false when a concurrent use spent it first. */
export async function spendEmailProof(tx: Tx, proofId: string): Promise<boolean> {
  const { count } = await tx.emailProof.deleteMany({ where: { id: proofId } });
  return count === 1;
}

/** The signed-in account asks for a link to prove its email; `returnTo`: where the link leads back. */
export async function sendAccountEmailProof(db: Db, mailer: Mailer, actor: Actor, opts: { returnTo?: string } = {}, now = new Date()): Promise<{ email: string }> {
  const user = await db.user.findUniqueOrThrow({ where: { id: actor.userId }, select: { id: true, email: true, emailVerified: true } });
  if (user.emailVerified) throw new StudentError("email.proven", `${user.email} is already proven`);
  const secret = await createEmailProof(db, { email: user.email, userId: user.id, returnTo: opts.returnTo }, now);
  await mailer.send({
    to: user.email,
    subject: "Labgrade: confirm your email address",
    text: [
      `Someone signed in to Labgrade as ${user.email} asked to confirm that this address is theirs.`,
      "",
      `If that was you, open this link while signed in, and press "Confirm" (it works once, for ${EMAIL_PROOF_HOURS} hours):`,
      emailProofUrl(secret),
      "",
      "If you have no Labgrade account, ignore this message: without the link, nobody can claim your address.",
    ].join("\n"),
  });
  return { email: user.email };
}

/**
 * The signed-in account confirms the link it was mailed: its email is proven,
 * and roles waiting for that email become its memberships. Returns where to go.
 */
export async function confirmAccountEmail(db: Db, actor: Actor, secret: string, now = new Date()): Promise<{ email: string; attached: number; returnTo: string | null }> {
  const proof = await emailProofOrThrow(db, secret, now);
  if (!proof.userId || !proof.user) throw new NotFoundError("link");
  if (proof.userId !== actor.userId) throw new ForbiddenError(`this link is for the account ${proof.user.email}; sign in as that account to use it`);
  if (proof.user.email !== proof.email) throw new StudentError("email.changed", "the account's email changed since this link was sent; ask for a new one");
  const attached = await db.$transaction(async (tx) => {
    if (!(await spendEmailProof(tx, proof.id))) throw new NotFoundError("link");
    await tx.user.update({ where: { id: actor.userId }, data: { emailVerified: now } });
    await tx.emailProof.deleteMany({ where: { userId: actor.userId } });
    return attachPendingMemberships(tx, { id: actor.userId, email: proof.email });
  });
  return { email: proof.email, attached, returnTo: proof.returnTo };
}
