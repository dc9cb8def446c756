// University single sign-on (OpenID Connect): who a verified identity from
// the issuer is here. The issuer's subject is remembered as an Account, so a
// later change of email at the university keeps the same user. The first
// sign-in links to the user with that email (people imported from a roster
// sign in this way without ever having a password) or creates one, with no
// course: courses are joined by roster or invitation. Only an email the issuer
// says it verified is trusted for that; without it the sign-in is refused.
import type { Db } from "../db.js";
import { StudentError } from "../errors.js";

export const SSO_PROVIDER_ID = "sso";

export interface SsoIdentity {
  subject: string;
  email: string | null | undefined;
  emailVerified: boolean | null | undefined;
  name: string | null | undefined;
}

export async function userForSsoIdentity(db: Db, identity: SsoIdentity): Promise<{ id: string; isPlatformAdmin: boolean; created: boolean }> {
  const linked = await db.account.findUnique({
    where: { provider_providerAccountId: { provider: SSO_PROVIDER_ID, providerAccountId: identity.subject } },
    select: { user: { select: { id: true, isPlatformAdmin: true } } },
  });
  if (linked) return { ...linked.user, created: false };
  const email = identity.email?.trim().toLowerCase();
  if (!email || identity.emailVerified !== true) {
    throw new StudentError("sso.unverified_email", "your university account did not give a verified email address; ask your course staff for a password link instead");
  }
  return db.$transaction(async (tx) => {
    const existing = await tx.user.findFirst({ where: { email: { equals: email, mode: "insensitive" } }, select: { id: true, isPlatformAdmin: true } });
    // An operator's account is never handed to an outside issuer on the strength of an email.
    if (existing?.isPlatformAdmin) throw new StudentError("sso.admin", "platform admins sign in with their password");
    const user = existing ?? (await tx.user.create({ data: { email, name: identity.name?.trim() || null, emailVerified: new Date() }, select: { id: true, isPlatformAdmin: true } }));
    await tx.account.create({ data: { userId: user.id, type: "oidc", provider: SSO_PROVIDER_ID, providerAccountId: identity.subject } });
    return { ...user, created: existing === null };
  });
}
