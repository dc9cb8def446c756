import { describe, expect, it } from "vitest";
import { KafkaKeys, exponentialSlot } from "../../lib/workloads/kafka/keys.js";
import { WORKLOADS } from "../../lib/workloads/index.js";
import { Random } from "../../lib/random.js";
import type { WorkloadContext } from "../../lib/workloads/types.js";

/** The keys of `sends` sends, and the live keys after each. */
function draw(seed: string, keyCount: number, maxWritesPerKey: number, sends: number) {
  const keys = new KafkaKeys(seed, keyCount, maxWritesPerKey);
  const sent: string[] = [];
  const live: string[][] = [];
  for (let i = 0; i < sends; i++) {
    sent.push(keys.forSend());
    live.push(keys.liveKeys());
  }
  return { keys, sent, live };
}

describe("kafka key rotation", () => {
  it.each([
    { keyCount: 1, maxWritesPerKey: 1, sends: 50 },
    { keyCount: 3, maxWritesPerKey: 4, sends: 1000 },
    { keyCount: 10, maxWritesPerKey: 16, sends: 10_000 },
    { keyCount: 100, maxWritesPerKey: 2, sends: 3000 },
    { keyCount: 2000, maxWritesPerKey: 16, sends: 2000 },
  ])("$keyCount live keys, $maxWritesPerKey sends each, over $sends sends", ({ keyCount, maxWritesPerKey, sends }) => {
    const { keys, sent, live } = draw("7", keyCount, maxWritesPerKey, sends);
    const perKey = new Map<string, number>();
    for (const key of sent) perKey.set(key, (perKey.get(key) ?? 0) + 1);

    // No key gets more sends than allowed, and the count kept agrees.
    for (const [key, count] of perKey) {
      expect(count).toBeLessThanOrEqual(maxWritesPerKey);
      expect(keys.sendsTo(key)).toBe(count);
    }
    // Keys are integers in strings, with no leading zeros.
    for (const key of perKey.keys()) expect(key).toMatch(/^(0|[1-9]\d*)$/);
    // Exactly keyCount keys are live at every moment, all distinct.
    for (const now of live) expect(new Set(now).size).toBe(keyCount);
    // The first live keys are 0 … keyCount-1; a fresh key is one above the highest live key, so keys become live in increasing order.
    expect(new KafkaKeys("7", keyCount, maxWritesPerKey).liveKeys()).toEqual(Array.from({ length: keyCount }, (_, i) => String(i)));
    const becameLive: number[] = [];
    const seen = new Set<string>(Array.from({ length: keyCount }, (_, i) => String(i)));
    // (One send may retire several keys: within it, in increasing order.)
    for (const now of live) {
      for (const key of [...now].sort((a, b) => Number(a) - Number(b))) {
        if (seen.has(key)) continue;
        seen.add(key);
        becameLive.push(Number(key));
      }
    }
    expect(becameLive).toEqual(Array.from({ length: becameLive.length }, (_, i) => keyCount + i));
    // A key that has had all its sends is retired: never sent to again.
    const retiredAt = new Map<string, number>();
    sent.forEach((key, i) => {
      expect(retiredAt.has(key)).toBe(false);
      if (sent.slice(0, i + 1).filter((k) => k === key).length === maxWritesPerKey) retiredAt.set(key, i);
    });
    // At least sends / maxWritesPerKey keys were written, and every one is among the run's keys.
    expect(perKey.size).toBeGreaterThanOrEqual(Math.ceil(sends / maxWritesPerKey));
    expect(keys.allKeys()).toEqual(expect.arrayContaining([...perKey.keys()]));
  });

  it("gives the same sequence of keys from the same seed, another from another seed", () => {
    expect(draw("42", 10, 16, 2000).sent).toEqual(draw("42", 10, 16, 2000).sent);
    expect(draw("42", 10, 16, 2000).sent).not.toEqual(draw("43", 10, 16, 2000).sent);
  });

  it("draws the sends' keys from its own stream, whatever the clients draw for their reads in between", () => {
    const plain = draw("5", 10, 4, 500).sent;
    const keys = new KafkaKeys("5", 10, 4);
    const reader = new Random("99");
    const interleaved = Array.from({ length: 500 }, () => {
      keys.forRead(reader);
      return keys.forSend();
    });
    expect(interleaved).toEqual(plain);
  });

  it("draws slot i twice as often as slot i-1 (Elle's exponential key distribution), without overflow for many slots", () => {
    const random = new Random("3");
    const counts = [0, 0, 0, 0];
    const draws = 40_000;
    for (let i = 0; i < draws; i++) counts[exponentialSlot(random, 4)]!++;
    // 1/15, 2/15, 4/15, 8/15 of the draws.
    counts.forEach((count, slot) => expect(count / draws).toBeCloseTo(2 ** slot / 15, 1));
    for (let i = 0; i < 1000; i++) {
      const slot = exponentialSlot(random, 5000);
      expect(Number.isInteger(slot) && slot >= 0 && slot < 5000).toBe(true);
    }
  });

  it("names the keys sent to beyond what any poll has returned", () => {
    const keys = new KafkaKeys("1", 3, 16);
    keys.sawSent("0", 4);
    keys.sawSent("12", 1);
    keys.sawSent("2", 0);
    keys.sawPolled("0", 4);
    keys.sawPolled("2", -1);
    expect(keys.unseen()).toEqual(["2", "12"]);
    expect(keys.highestSeen("0")).toBe(4);
    expect(keys.highestSeen("5")).toBe(-1);
  });
});

describe("kafka final polls over rotated keys", () => {
  it("poll every key any client sent to, however many there were", () => {
    const ctx = { nodeIds: ["n0"], seed: "8", options: { keyCount: 10, maxWritesPerKey: 2 } } as unknown as WorkloadContext<never>;
    const root = new Random("8");
    const clients = [0, 1, 2].map(() => WORKLOADS.kafka.client(root.fork(), ctx));
    const sentTo = new Set<string>();
    for (let i = 0; i < 300; i++) {
      for (const client of clients) {
        const op = client.next();
        if (op.f === "send") sentTo.add(op.body.key as string);
      }
    }
    expect(sentTo.size).toBeGreaterThan(100);
    const first = WORKLOADS.kafka.finalClient!(ctx, "n0").next(0)!;
    expect(Object.keys(first.op.body.offsets as object)).toEqual(expect.arrayContaining([...sentTo]));
    expect(Object.values(first.op.body.offsets as object).every((o) => o === 0)).toBe(true);
  });
});
