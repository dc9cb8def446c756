// A new course's owners, named by email, take their role by the roster
// import's rule (lib/courses/roster.ts, pending-memberships.ts): an account
// that proved its email, or one nobody can sign in to yet, becomes an owner at
// once; an account that could sign in but never proved the address waits as a
// pending membership until it does; an email new to the platform gets an
// account without a password (its owner signs in through single sign-on, or
// with a password link from the course's roster page).
import type { Tx } from "../db.js";
import { receivesRolesByEmail } from "../courses/pending-memberships.js";

export type OwnerOutcome = "owner" | "new account" | "waiting for email proof";

export async function makeOwners(tx: Tx, courseId: string, emails: readonly string[]): Promise<Array<{ email: string; outcome: OwnerOutcome }>> {
  const found = await tx.user.findMany({
    where: { email: { in: [...emails] } },
    select: { id: true, email: true, emailVerified: true, passwordHash: true, _count: { select: { accounts: true } } },
  });
  const made: Array<{ email: string; outcome: OwnerOutcome }> = [];
  for (const email of emails) {
    const user = found.find((u) => u.email === email);
    if (user && !receivesRolesByEmail({ ...user, accountCount: user._count.accounts })) {
      await tx.pendingMembership.create({ data: { courseId, email, role: "OWNER" } });
      made.push({ email, outcome: "waiting for email proof" });
      continue;
    }
    const userId = user?.id ?? (await tx.user.create({ data: { email }, select: { id: true } })).id;
    await tx.membership.create({ data: { courseId, userId, role: "OWNER" } });
    made.push({ email, outcome: user ? "owner" : "new account" });
  }
  return made;
}
