// Email-and-password sign-in: finds the account by its exact (normalised)
// email and checks the argon2id hash. The answer never says which of the two
// was wrong, and an unknown email costs the same hash verification as a known
// one, so neither the message nor the timing tells an attacker which emails
// have accounts.
//
// The lock-out (sign-in-limits.ts) is keyed on the account found, so every
// spelling of an address counts towards the one account; guesses at an
// unknown address count under its normalised text, so they still cost.
import type { Db } from "../db.js";
import { normaliseEmail } from "./email.js";
import { hashPassword, verifyPassword } from "./password.js";
import type { SignInLimiter, SignInRefusal } from "./sign-in-limits.js";

export interface SignedInUser {
  id: string;
  email: string;
  name: string | null;
  isPlatformAdmin: boolean;
}

/** Verified against when the email is unknown or the account has no password (SSO only). */
let decoyHash: Promise<string> | undefined;

const SELECT = { id: true, email: true, name: true, isPlatformAdmin: true, passwordHash: true } as const;

/** What the lock-out counts a sign-in attempt against: the account, or the text for an unknown email. */
export function lockOutKey(account: { id: string } | null, email: string): string {
  return account ? `user:${account.id}` : `email:${normaliseEmail(email)}`;
}

async function checkPassword(user: { passwordHash: string | null } | null, password: string): Promise<boolean> {
  if (!user?.passwordHash) {
    decoyHash ??= hashPassword("decoy-password-never-matches");
    await verifyPassword(await decoyHash, password);
    return false;
  }
  return verifyPassword(user.passwordHash, password);
}

const signedIn = (u: SignedInUser): SignedInUser => ({ id: u.id, email: u.email, name: u.name, isPlatformAdmin: u.isPlatformAdmin });

export async function verifyCredentials(db: Db, email: string, password: string): Promise<SignedInUser | null> {
  const user = await db.user.findUnique({ where: { email: normaliseEmail(email) }, select: SELECT });
  return (await checkPassword(user, password)) && user ? signedIn(user) : null;
}

export type PasswordSignIn = { ok: true; user: SignedInUser } | { ok: false; refusal: SignInRefusal | null };

/**
 * A password sign-in under the limits: refused unlocked-out attempts are never
 * checked; a failure is counted (and may lock); a success clears the account's count.
 */
export async function signInWithPassword(db: Db, limiter: SignInLimiter, input: { email: string; password: string; address: string }): Promise<PasswordSignIn> {
  const user = await db.user.findUnique({ where: { email: normaliseEmail(input.email) }, select: SELECT });
  const key = lockOutKey(user, input.email);
  const check = await limiter.check(key, input.address);
  if (!check.allowed) return { ok: false, refusal: check };
  if (!(await checkPassword(user, input.password)) || !user) {
    const after = await limiter.fail(key, input.address);
    return { ok: false, refusal: after.allowed ? null : after };
  }
  await limiter.succeed(key);
  return { ok: true, user: signedIn(user) };
}
