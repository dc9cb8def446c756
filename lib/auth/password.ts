// Password hashing: argon2id (OWASP's first choice), through @node-rs/argon2,
// whose prebuilt binary ships inside the npm package.
import { hash, verify } from "@node-rs/argon2";

/** argon2id with m=19 MiB, t=2, p=1 (OWASP minimum recommendation). */
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 10;

export async function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
