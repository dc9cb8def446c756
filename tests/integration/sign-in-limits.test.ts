// Failed sign-ins counted in the real Redis: an account locks after 5
// failures from anywhere, an address after 30 over any accounts, a success
// clears the account, and a Redis that cannot be reached still limits (in
// memory) instead of letting guesses through.
import { randomBytes } from "node:crypto";
import Redis from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createSignInLimiter, describeRetry, SIGN_IN_LIMITS } from "../../lib/auth/sign-in-limits.js";
import { REDIS_URL } from "../support/grading-stack.js";

const clients: Redis[] = [];
function limiter(url = REDIS_URL) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 500, lazyConnect: url !== REDIS_URL });
  redis.on("error", () => undefined);
  clients.push(redis);
  return createSignInLimiter(redis, `test-signin-${randomBytes(4).toString("hex")}`);
}

afterAll(() => {
  for (const c of clients) c.disconnect();
});

const minutesUntil = (d: Date) => (d.getTime() - Date.now()) / 60_000;

describe("sign-in limits", () => {
  it("locks an account after 5 failures, from any address, for 15 minutes", async () => {
    const l = limiter();
    for (let i = 0; i < SIGN_IN_LIMITS.account.points - 1; i++) expect(await l.fail("Eve@Example.test", "10.0.0.1")).toEqual({ allowed: true });
    const fifth = await l.fail("eve@example.test", "10.0.0.2");
    expect(fifth).toMatchObject({ allowed: false, scope: "account" });
    if (fifth.allowed) throw new Error("unreachable");
    expect(minutesUntil(fifth.retryAt)).toBeGreaterThan(14.9);
    expect(minutesUntil(fifth.retryAt)).toBeLessThanOrEqual(15);
    expect(describeRetry(fifth.retryAt)).toBe("in 15 minutes");
    // The same account from a new address is refused; another account from the same address is not.
    expect(await l.check(" EVE@example.test ", "10.9.9.9")).toMatchObject({ allowed: false, scope: "account" });
    expect(await l.check("someone@example.test", "10.0.0.1")).toEqual({ allowed: true });
  });

  it("clears an account's failures when it signs in", async () => {
    const l = limiter();
    for (let i = 0; i < 4; i++) await l.fail("frank@example.test", "10.0.0.3");
    await l.succeed("frank@example.test");
    for (let i = 0; i < 4; i++) expect(await l.fail("frank@example.test", "10.0.0.3")).toEqual({ allowed: true });
    expect(await l.check("frank@example.test", "10.0.0.3")).toEqual({ allowed: true });
  });

  it("blocks an address that fails over many accounts, for an hour, and only that address", async () => {
    const l = limiter();
    let last;
    for (let i = 0; i < SIGN_IN_LIMITS.address.points; i++) last = await l.fail(`user${i}@example.test`, "10.0.0.4");
    expect(last).toMatchObject({ allowed: false, scope: "address" });
    expect(await l.check("new-user@example.test", "10.0.0.4")).toMatchObject({ allowed: false, scope: "address" });
    const refused = await l.check("new-user@example.test", "10.0.0.4");
    if (refused.allowed) throw new Error("unreachable");
    expect(minutesUntil(refused.retryAt)).toBeGreaterThan(59.9);
    expect(await l.check("new-user@example.test", "10.0.0.5")).toEqual({ allowed: true });
  });

  it("still limits, in memory, when Redis cannot be reached", async () => {
    const l = limiter("redis://127.0.0.1:1");
    for (let i = 0; i < 4; i++) expect(await l.fail("grace@example.test", "10.0.0.6")).toEqual({ allowed: true });
    expect(await l.fail("grace@example.test", "10.0.0.6")).toMatchObject({ allowed: false, scope: "account" });
    expect(await l.check("grace@example.test", "10.0.0.6")).toMatchObject({ allowed: false });
  });
});
