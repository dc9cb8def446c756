// API calls per token, counted in Redis with rate-limiter-flexible (so every
// web process shares the count); while Redis is unreachable each process
// counts in memory instead (the library's insurance limiter).
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { config } from "../config.js";
import { createFailFastRedis } from "../queue.js";

export type ApiAllowance = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

export interface ApiLimiter {
  consume(tokenId: string): Promise<ApiAllowance>;
}

export function createApiLimiter(redis: Redis, prefix: string, perMinute: number): ApiLimiter {
  const options = { keyPrefix: `${prefix}:api:token`, points: perMinute, duration: 60 };
  const limiter = new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: new RateLimiterMemory(options) });
  return {
    async consume(tokenId) {
      try {
        const res = await limiter.consume(tokenId);
        return { allowed: true, remaining: res.remainingPoints };
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
      }
    },
  };
}

const globalForLimiter = globalThis as unknown as { labgradeApiLimiter?: ApiLimiter };

/** The process's API limiter, on the configured Redis. */
export function apiLimiter(): ApiLimiter {
  if (!globalForLimiter.labgradeApiLimiter) {
    const cfg = config();
    globalForLimiter.labgradeApiLimiter = createApiLimiter(createFailFastRedis(cfg.REDIS_URL), cfg.LABGRADE_QUEUE_PREFIX, cfg.LABGRADE_API_CALLS_PER_MINUTE);
  }
  return globalForLimiter.labgradeApiLimiter;
}
