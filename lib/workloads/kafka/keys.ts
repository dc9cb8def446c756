// The kafka workload's keys, shared by every client of one test run, as
// Maelstrom chooses them (its kafka workload draws keys as Elle's transaction
// generator does):
//   - `keyCount` keys are live at once, in slots; the first live keys are
//     "0" … "<keyCount-1>".
//   - Keys are drawn over the slots with an exponential distribution of base 2:
//     slot i is twice as likely as slot i-1, so the last slot takes about half
//     of the draws.
//   - A key takes at most `maxWritesPerKey` sends. When a drawn key has had
//     them all, its slot gets a fresh key, one above the highest live key, and
//     the draw is repeated: keys only grow ("56" is the 47th key to be retired
//     from a run of 10 live keys).
// Invariant: no key is ever handed out for more than maxWritesPerKey sends, and
// the sequence of send keys is a function of the seed alone (this object's own
// random stream is drawn from only by sends, whichever client asks).
//
// It also keeps what Maelstrom's generator knows of every key across clients:
// the highest offset acknowledged by a send and returned by a poll, so that a
// client taking new keys can be given the ones sent but not yet polled.
import { Random, seedFor } from "../../random.js";

export class KafkaKeys {
  /** The live key of each slot. */
  private readonly live: number[];
  /** Sends handed out per key. */
  private readonly sends = new Map<number, number>();
  private readonly random: Random;
  /** Per key: the highest offset an acknowledged send returned. */
  private readonly sentUpTo = new Map<string, number>();
  /** Per key: the highest offset a poll returned. */
  private readonly polledUpTo = new Map<string, number>();

  constructor(
    seed: string,
    private readonly keyCount: number,
    private readonly maxWritesPerKey: number,
  ) {
    this.live = Array.from({ length: keyCount }, (_, i) => i);
    this.random = new Random(seedFor(seed, "kafka/keys"));
  }

  /** The key of the next send; counts the send against it. */
  forSend(): string {
    for (;;) {
      const slot = exponentialSlot(this.random, this.keyCount);
      const key = this.live[slot]!;
      const sent = this.sends.get(key) ?? 0;
      if (sent < this.maxWritesPerKey) {
        this.sends.set(key, sent + 1);
        return String(key);
      }
      this.live[slot] = Math.max(...this.live) + 1;
    }
  }

  /** A live key drawn as a send's would be, without counting a send (`random` is the caller's stream). */
  forRead(random: Random): string {
    return String(this.live[exponentialSlot(random, this.keyCount)]!);
  }

  /** The keys live now, in slot order. */
  liveKeys(): string[] {
    return this.live.map(String);
  }

  /** Every key of the run so far: live, handed out for a send, or named by a reply of a send or a poll, in increasing order. */
  allKeys(): string[] {
    const all = new Set([...this.live, ...this.sends.keys()].map(String));
    for (const key of [...this.sentUpTo.keys(), ...this.polledUpTo.keys()]) all.add(key);
    return [...all].sort((a, b) => Number(a) - Number(b));
  }

  /** Sends handed out for `key` so far. */
  sendsTo(key: string): number {
    return this.sends.get(Number(key)) ?? 0;
  }

  sawSent(key: string, offset: number) {
    if (offset > (this.sentUpTo.get(key) ?? -1)) this.sentUpTo.set(key, offset);
  }

  sawPolled(key: string, offset: number) {
    if (offset > (this.polledUpTo.get(key) ?? -1)) this.polledUpTo.set(key, offset);
  }

  /** The highest offset of `key` an acknowledged send or a poll returned, or -1. */
  highestSeen(key: string): number {
    return Math.max(this.sentUpTo.get(key) ?? -1, this.polledUpTo.get(key) ?? -1);
  }

  /** Keys with an acknowledged send above the highest offset any poll returned, in increasing order. */
  unseen(): string[] {
    return [...this.sentUpTo]
      .filter(([key, sent]) => (this.polledUpTo.get(key) ?? -1) < sent)
      .map(([key]) => key)
      .sort((a, b) => Number(a) - Number(b));
  }
}

/**
 * A slot in [0, count), slot i drawn with probability 2^i / (2^count - 1).
 * Elle draws u in [0, 2(2^n - 1)) and takes floor(log2(u + 2)) - 1; the same
 * written relative to 2^(n+1), so it does not overflow for thousands of slots.
 */
export function exponentialSlot(random: Random, count: number): number {
  const floor = 2 ** -count;
  const scaled = random.next() * (1 - floor) + floor;
  return Math.min(count - 1, Math.max(0, count + Math.floor(Math.log2(scaled))));
}
