import { describe, expect, it } from "vitest";
import { Random } from "../../lib/random.js";

describe("seeded random", () => {
  it("replays the same sequence from the same seed", () => {
    const a = new Random("12345678901234567890");
    const b = new Random("12345678901234567890");
    const seqA = Array.from({ length: 50 }, () => a.nextU32());
    const seqB = Array.from({ length: 50 }, () => b.nextU32());
    expect(seqA).toEqual(seqB);
  });

  it("gives different sequences for different seeds", () => {
    const a = Array.from({ length: 8 }, ((r) => () => r.nextU32())(new Random("1")));
    const b = Array.from({ length: 8 }, ((r) => () => r.nextU32())(new Random("2")));
    expect(a).not.toEqual(b);
  });

  it("forks reproducible independent streams", () => {
    const x = new Random("7").fork();
    const y = new Random("7").fork();
    expect(x.nextU32()).toBe(y.nextU32());
  });

  it("keeps int() within range and covers it", () => {
    const r = new Random("99");
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = r.int(5);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(5);
      seen.add(v);
    }
    expect(seen.size).toBe(5);
  });

  it.each(["-1", "abc", "18446744073709551616", ""])("refuses the seed %j", (seed) => {
    expect(() => new Random(seed)).toThrow(/unsigned 64-bit/);
  });
});
