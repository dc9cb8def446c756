// API calls per minute, counted in Redis with rate-limiter-flexible (so every
// web process shares the count): each token has its allowance, and each
// person one more for all their tokens together (a person may hold many
// tokens; making more must not multiply what they may call). While Redis is
// unreachable each process counts in memory instead (the library's insurance
// limiter).
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { config } from "../config.js";
import { createFailFastRedis } from "../queue.js";

export type ApiAllowance =
  | { allowed: true; remaining: number }
  /** `by`: whose allowance is spent, the token's or its owner's (all their tokens together). */
  | { allowed: false; by: "token" | "user"; perMinute: number; retryAfterSeconds: number };

export interface ApiLimiter {
  consume(caller: { tokenId: string; userId: string }): Promise<ApiAllowance>;
}

export function createApiLimiter(redis: Redis, prefix: string, limits: { perTokenPerMinute: number; perUserPerMinute: number }): ApiLimiter {
  const limiter = (kind: "token" | "user", points: number) => {
    const options = { keyPrefix: `${prefix}:api:${kind}`, points, duration: 60 };
    return new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: new RateLimiterMemory(options) });
  };
  const perToken = limiter("token", limits.perTokenPerMinute);
  const perUser = limiter("user", limits.perUserPerMinute);
  const spend = async (which: RateLimiterRedis, key: string) => {
    try {
      return { ok: true as const, remaining: (await which.consume(key)).remainingPoints };
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      return { ok: false as const, retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
    }
  };
  return {
    async consume({ tokenId, userId }) {
      const token = await spend(perToken, tokenId);
      if (!token.ok) return { allowed: false, by: "token", perMinute: limits.perTokenPerMinute, retryAfterSeconds: token.retryAfterSeconds };
      const user = await spend(perUser, userId);
      if (!user.ok) return { allowed: false, by: "user", perMinute: limits.perUserPerMinute, retryAfterSeconds: user.retryAfterSeconds };
      return { allowed: true, remaining: Math.min(token.remaining, user.remaining) };
    },
  };
}

const globalForLimiter = globalThis as unknown as { labgradeApiLimiter?: ApiLimiter };

/** The process's API limiter, on the configured Redis. */
export function apiLimiter(): ApiLimiter {
  if (!globalForLimiter.labgradeApiLimiter) {
    const cfg = config();
    globalForLimiter.labgradeApiLimiter = createApiLimiter(createFailFastRedis(cfg.REDIS_URL), cfg.LABGRADE_QUEUE_PREFIX, {
      perTokenPerMinute: cfg.LABGRADE_API_CALLS_PER_MINUTE,
      perUserPerMinute: cfg.LABGRADE_API_CALLS_PER_MINUTE_PER_USER,
    });
  }
  return globalForLimiter.labgradeApiLimiter;
}
