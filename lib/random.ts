// Seeded pseudo-random numbers. Every generated operation and fault schedule
// derives from one seed (a u64 as a decimal string, recorded with results),
// so a failing test can be replayed exactly. splitmix64 seeds xoshiro128**.

function splitmix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
  return [next, z ^ (z >> 31n)];
}

export class Random {
  private s: Uint32Array;

  constructor(seed: string) {
    if (!/^\d{1,20}$/.test(seed) || BigInt(seed) > 0xffffffffffffffffn) {
      throw new Error(`seed must be an unsigned 64-bit decimal integer, got ${JSON.stringify(seed)}`);
    }
    let state = BigInt(seed);
    const words: number[] = [];
    for (let i = 0; i < 2; i++) {
      const [next, out] = splitmix64(state);
      state = next;
      words.push(Number(out & 0xffffffffn), Number(out >> 32n));
    }
    this.s = Uint32Array.from(words);
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)]!;
  }

  /** A new independent generator derived from this one (for a sub-stream such as one client). */
  fork(): Random {
    const hi = BigInt(this.nextU32());
    const lo = BigInt(this.nextU32());
    return new Random(((hi << 32n) | lo).toString());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A fresh random seed, for tests that do not name one. */
export function newSeed(): string {
  const bytes = new Uint32Array(2);
  crypto.getRandomValues(bytes);
  return ((BigInt(bytes[0]!) << 32n) | BigInt(bytes[1]!)).toString();
}

/**
 * The seed of a named stream of `seed` (e.g. one service's choices for one
 * caller): the same name always gets the same stream, whatever else drew from
 * the seed first. FNV-1a over the seed and the name, 64 bits.
 */
export function seedFor(seed: string, name: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(`${seed}/${name}`)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString();
}
