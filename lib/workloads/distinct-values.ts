// Integers that no two clients of one test ever both send (broadcast messages,
// g-set elements, kafka messages): checkers identify a value with the one
// operation that introduced it, so values must be distinct across the whole
// test, and reproducible from the seed.
//
// A client does not know its process number, so each client created for a
// test's context takes the next ordinal (the controller creates its clients
// one after another, in slot order, before any request is sent: the ordinals
// are deterministic). Client k's i-th value is i·STRIDE + k, so the values of
// all clients interleave into small, readable numbers: 0, 1, 2, … 100, 101, …
import type { WorkloadContext } from "./types.js";

/** Matches the largest concurrency a suite may ask for (lib/suites/schema.ts). */
const STRIDE = 100;

const ordinals = new WeakMap<WorkloadContext, number>();

/** A stream of integers, distinct from every other stream made for the same `ctx`. */
export function distinctValues(ctx: WorkloadContext): () => number {
  const ordinal = ordinals.get(ctx) ?? 0;
  if (ordinal >= STRIDE) throw new Error(`a test may have at most ${STRIDE} clients with distinct values`);
  ordinals.set(ctx, ordinal + 1);
  let counter = 0;
  return () => counter++ * STRIDE + ordinal;
}
