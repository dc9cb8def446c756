// A signed-in user's own account: changing their password. The current
// password is required (a borrowed session is not enough), and a wrong one
// counts as a failed sign-in for the account (sign-in-limits.ts), so a session
// cannot be used to guess it either. A change ends every other session of the
// account (sessions.ts): whoever else held one must sign in with the new password.
import type { Db } from "../db.js";
import { StudentError } from "../errors.js";
import type { Actor } from "../courses/access.js";
import { lockOutKey } from "./credentials.js";
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from "./password.js";
import { endSessionsOf } from "./sessions.js";
import { describeRetry, type SignInLimiter } from "./sign-in-limits.js";

/** Longest password accepted (hashing is bounded work). */
export const MAX_PASSWORD_LENGTH = 1024;

/** Throws a StudentError saying what is wrong with a chosen password (and its repetition), if anything. */
export function checkNewPassword(next: string, repeat: string, email: string): void {
  if (next.length < MIN_PASSWORD_LENGTH) throw new StudentError("account.short", `the new password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (next.length > MAX_PASSWORD_LENGTH) throw new StudentError("account.long", `the new password may have at most ${MAX_PASSWORD_LENGTH} characters`);
  if (next !== repeat) throw new StudentError("account.mismatch", "the two new passwords differ");
  if (next.trim().toLowerCase() === email.toLowerCase()) throw new StudentError("account.email", "the new password must not be your email address");
}

export async function changePassword(
  db: Db,
  limiter: SignInLimiter,
  actor: Actor,
  /** `keepSession`: the changer's own session (sessions.ts), which stays signed in. */
  input: { current: string; next: string; repeat: string; address: string; keepSession?: string },
): Promise<void> {
  const user = await db.user.findUniqueOrThrow({ where: { id: actor.userId }, select: { id: true, email: true, passwordHash: true } });
  if (!user.passwordHash) throw new StudentError("account.sso_only", "this account signs in through single sign-on and has no password to change");
  const key = lockOutKey(user, user.email);
  const check = await limiter.check(key, input.address);
  if (!check.allowed) throw new StudentError("account.locked", `too many wrong passwords; try again ${describeRetry(check.retryAt)}`);
  if (!(await verifyPassword(user.passwordHash, input.current))) {
    const after = await limiter.fail(key, input.address);
    throw new StudentError("account.wrong_password", after.allowed ? "the current password is wrong" : `the current password is wrong, and too many tries lock the account; try again ${describeRetry(after.retryAt)}`);
  }
  checkNewPassword(input.next, input.repeat, user.email);
  if (input.next === input.current) throw new StudentError("account.same", "the new password is the same as the current one");
  await limiter.succeed(key);
  const passwordHash = await hashPassword(input.next);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: actor.userId }, data: { passwordHash, mustChangePassword: false } });
    await endSessionsOf(tx, actor.userId, input.keepSession);
  });
}
