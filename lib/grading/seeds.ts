// A test's seeds: one per repetition. A suite's fixed seed is the first and
// derives the rest (so a whole run replays); without one, each is fresh.
import { newSeed, Random } from "../random.js";
import type { TestSpec } from "../suites/schema.js";

/** One seed per repetition: the suite's fixed seed derives the rest; otherwise fresh ones. */
export function seedsFor(test: TestSpec): string[] {
  if (!test.seed) return Array.from({ length: test.repetitions }, () => newSeed());
  const rng = new Random(test.seed);
  return Array.from({ length: test.repetitions }, (_, i) => {
    if (i === 0) return test.seed!;
    return ((BigInt(rng.nextU32()) << 32n) | BigInt(rng.nextU32())).toString();
  });
}
