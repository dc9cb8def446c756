// Email-and-password sign-in: finds the account and checks the argon2id hash.
// The answer never says which of the two was wrong, and an unknown email
// costs the same hash verification as a known one, so neither the message
// nor the timing tells an attacker which emails have accounts.
import type { Db } from "../db.js";
import { hashPassword, verifyPassword } from "./password.js";

export interface SignedInUser {
  id: string;
  email: string;
  name: string | null;
  isPlatformAdmin: boolean;
}

/** Verified against when the email is unknown or the account has no password (SSO only). */
let decoyHash: Promise<string> | undefined;

export async function verifyCredentials(db: Db, email: string, password: string): Promise<SignedInUser | null> {
  const user = await db.user.findFirst({
    where: { email: { equals: email.trim(), mode: "insensitive" } },
    select: { id: true, email: true, name: true, isPlatformAdmin: true, passwordHash: true },
  });
  if (!user?.passwordHash) {
    decoyHash ??= hashPassword("decoy-password-never-matches");
    await verifyPassword(await decoyHash, password);
    return null;
  }
  if (!(await verifyPassword(user.passwordHash, password))) return null;
  return { id: user.id, email: user.email, name: user.name, isPlatformAdmin: user.isPlatformAdmin };
}
