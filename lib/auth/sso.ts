// University single sign-on (OpenID Connect): who a verified identity from
// the issuer is here. The issuer's subject is remembered as an Account, so a
// later change of email at the university keeps the same user. The first
// sign-in links to the user with that email (people imported from a roster
// sign in this way without ever having a password) or creates one, with no
// course: courses are joined by roster or invitation. Only an email the issuer
// says it verified is trusted for that; without it the sign-in is refused.
//
// An identity links only to an account that has proven the email itself, or
// that nobody can sign in to yet (an import made it): never to an account
// that has a password but never proved its address, which may be a stranger's
// who typed that address into a form. The issuer's verified claim proves the
// email, so roles waiting for it (pending-memberships.ts) attach.
import type { Db } from "../db.js";
import { StudentError } from "../errors.js";
import { attachPendingMemberships, receivesRolesByEmail } from "../courses/pending-memberships.js";
import { normaliseEmail } from "./email.js";

export const SSO_PROVIDER_ID = "sso";

export interface SsoIdentity {
  subject: string;
  email: string | null | undefined;
  emailVerified: boolean | null | undefined;
  name: string | null | undefined;
}

export async function userForSsoIdentity(db: Db, identity: SsoIdentity, now = new Date()): Promise<{ id: string; isPlatformAdmin: boolean; created: boolean }> {
  const linked = await db.account.findUnique({
    where: { provider_providerAccountId: { provider: SSO_PROVIDER_ID, providerAccountId: identity.subject } },
    select: { user: { select: { id: true, isPlatformAdmin: true } } },
  });
  if (linked) return { ...linked.user, created: false };
  const email = identity.email ? normaliseEmail(identity.email) : "";
  if (!email || identity.emailVerified !== true) {
    throw new StudentError("sso.unverified_email", "your university account did not give a verified email address; ask your course staff for a password link instead");
  }
  return db.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({
      where: { email },
      select: { id: true, email: true, isPlatformAdmin: true, emailVerified: true, passwordHash: true, _count: { select: { accounts: true } } },
    });
    // An operator's account is never handed to an outside issuer on the strength of an email.
    if (existing?.isPlatformAdmin) throw new StudentError("sso.admin", "platform admins sign in with their password");
    if (existing && !receivesRolesByEmail({ ...existing, accountCount: existing._count.accounts })) {
      throw new StudentError(
        "sso.unproven_account",
        `an account for ${email} exists that never confirmed the address, so your university sign-in is not linked to it; if it is yours, sign in with its password and confirm the address on your account page, otherwise ask your course staff`,
      );
    }
    const select = { id: true, email: true, isPlatformAdmin: true } as const;
    const user = existing
      ? await tx.user.update({ where: { id: existing.id }, data: { emailVerified: existing.emailVerified ?? now }, select })
      : await tx.user.create({ data: { email, name: identity.name?.trim() || null, emailVerified: now }, select });
    await tx.account.create({ data: { userId: user.id, type: "oidc", provider: SSO_PROVIDER_ID, providerAccountId: identity.subject } });
    await attachPendingMemberships(tx, user);
    return { id: user.id, isPlatformAdmin: user.isPlatformAdmin, created: existing === null };
  });
}
