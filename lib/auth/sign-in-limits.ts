// Failed sign-ins are counted in Redis (rate-limiter-flexible), per account
// and per address, so guessing passwords stops after a few tries:
//   - per account (the key credentials.ts's lockOutKey gives: the account
//     found, or an unknown email's normalised text): 5 failures in 15 minutes
//     lock the account out of password sign-in for 15 minutes, from any address;
//   - per address (client-address.ts: the socket's peer unless a trusted proxy
//     says otherwise): 30 failures in 15 minutes (over any accounts) block that
//     address for an hour.
// A locked-out attempt is refused before the password is even checked, and
// says when the next attempt is allowed. A success clears the account's count.
// Counting failures only (not attempts) means a user who types the right
// password is never slowed down by their own earlier success.
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { createFailFastRedis } from "../queue.js";
import { config } from "../config.js";

export const SIGN_IN_LIMITS = {
  account: { points: 5, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
  address: { points: 30, durationSeconds: 15 * 60, blockSeconds: 60 * 60 },
} as const;

export type SignInRefusal = { allowed: false; scope: "account" | "address"; retryAt: Date };
export type SignInCheck = { allowed: true } | SignInRefusal;

export interface SignInLimiter {
  /** Whether a sign-in for this account (a lockOutKey) from this address may be tried now. */
  check(account: string, address: string): Promise<SignInCheck>;
  /** Counts a failure; says so if this one locked the account or address out. */
  fail(account: string, address: string): Promise<SignInCheck>;
  /** Clears the account's failures after a successful sign-in. */
  succeed(account: string): Promise<void>;
}

export function createSignInLimiter(redis: Redis, prefix: string, now: () => number = Date.now): SignInLimiter {
  // While Redis is unreachable, this process counts in memory instead (the
  // library's insurance limiter): limits hold per process rather than lapse.
  const limiter = (name: string, limit: { points: number; durationSeconds: number; blockSeconds: number }) => {
    const options = { keyPrefix: `${prefix}:signin:${name}`, points: limit.points, duration: limit.durationSeconds, blockDuration: limit.blockSeconds };
    return new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: new RateLimiterMemory(options) });
  };
  const account = limiter("account", SIGN_IN_LIMITS.account);
  const address = limiter("address", SIGN_IN_LIMITS.address);
  const accountKey = (account: string) => account.trim().toLowerCase();
  const refusal = (scope: SignInRefusal["scope"], res: RateLimiterRes): SignInRefusal => ({ allowed: false, scope, retryAt: new Date(now() + res.msBeforeNext) });

  return {
    async check(key, addr) {
      const [a, b] = await Promise.all([account.get(accountKey(key)), address.get(addr)]);
      if (a && a.consumedPoints > SIGN_IN_LIMITS.account.points) return refusal("account", a);
      if (b && b.consumedPoints > SIGN_IN_LIMITS.address.points) return refusal("address", b);
      return { allowed: true };
    },
    async fail(accountId, addr) {
      let result: SignInCheck = { allowed: true };
      // consume() rejects with the RateLimiterRes once the points are spent (and then blocks the key).
      for (const [limiter, key, scope] of [
        [account, accountKey(accountId), "account"],
        [address, addr, "address"],
      ] as const) {
        try {
          const res = await limiter.consume(key);
          if (res.remainingPoints === 0 && result.allowed) {
            // The last allowed failure: the next attempt is refused, so lock now.
            await limiter.block(key, scope === "account" ? SIGN_IN_LIMITS.account.blockSeconds : SIGN_IN_LIMITS.address.blockSeconds);
            const blocked = await limiter.get(key);
            if (blocked) result = refusal(scope, blocked);
          }
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err;
          if (result.allowed) result = refusal(scope, err);
        }
      }
      return result;
    },
    async succeed(key) {
      await account.delete(accountKey(key));
    },
  };
}

/** "in 14 minutes" / "in 1 minute" / "in a few seconds", for a person. */
export function describeRetry(retryAt: Date, now = Date.now()): string {
  const minutes = Math.ceil((retryAt.getTime() - now) / 60_000);
  if (minutes <= 0) return "in a few seconds";
  return `in ${minutes} minute${minutes === 1 ? "" : "s"}`;
}

const globalForLimiter = globalThis as unknown as { labgradeSignInLimiter?: SignInLimiter };

/** The process-wide limiter on REDIS_URL (a connection that fails fast: the insurance limiter takes over). */
export function signInLimiter(): SignInLimiter {
  if (!globalForLimiter.labgradeSignInLimiter) {
    const cfg = config();
    globalForLimiter.labgradeSignInLimiter = createSignInLimiter(createFailFastRedis(cfg.REDIS_URL), cfg.LABGRADE_QUEUE_PREFIX);
  }
  return globalForLimiter.labgradeSignInLimiter;
}
