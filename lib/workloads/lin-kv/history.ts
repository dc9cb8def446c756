// The shape of lin-kv's history values, shared by its generator and its
// checker: every value is a pair whose first element is the key (see
// index.ts), so the checker splits a history by key knowing nothing else.

/** The key an operation of this workload touches (the first element of its value). */
export function linKvKey(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : undefined;
}
