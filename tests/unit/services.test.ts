import { describe, expect, it } from "vitest";
import { ClusterServices, LastWriteWinsKv, REPLICAS, SequentialKv, WINDOW_STATES } from "../../sandbox/programs/services/stores.js";

const SEED = "20";

describe("lin-kv and friends", () => {
  it("reads what was written, and says when a key does not exist", () => {
    const services = new ClusterServices(SEED);
    expect(services.handle("lin-kv", "n0", { type: "read", key: "a" })).toMatchObject({ type: "error", code: 20 });
    expect(services.handle("lin-kv", "n0", { type: "write", key: "a", value: 1 })).toEqual({ type: "write_ok" });
    expect(services.handle("lin-kv", "n1", { type: "read", key: "a" })).toEqual({ type: "read_ok", value: 1 });
  });

  it("compare-and-sets only from the current value", () => {
    const services = new ClusterServices(SEED);
    services.handle("lin-kv", "n0", { type: "write", key: "c", value: 1 });
    expect(services.handle("lin-kv", "n0", { type: "cas", key: "c", from: 2, to: 3 })).toMatchObject({ type: "error", code: 22 });
    expect(services.handle("lin-kv", "n0", { type: "cas", key: "c", from: 1, to: 3 })).toEqual({ type: "cas_ok" });
    expect(services.handle("lin-kv", "n0", { type: "read", key: "c" })).toEqual({ type: "read_ok", value: 3 });
    expect(services.handle("lin-kv", "n0", { type: "cas", key: "new", from: 0, to: 1 })).toMatchObject({ code: 20 });
    expect(services.handle("lin-kv", "n0", { type: "cas", key: "new", from: 0, to: 1, create_if_not_exists: true })).toEqual({ type: "cas_ok" });
  });

  it("keeps each service's keys apart, and numbers apart from strings", () => {
    const services = new ClusterServices(SEED);
    services.handle("seq-kv", "n0", { type: "write", key: 1, value: "number" });
    services.handle("seq-kv", "n0", { type: "write", key: "1", value: "string" });
    expect(services.handle("seq-kv", "n0", { type: "read", key: 1 })).toEqual({ type: "read_ok", value: "number" });
    expect(services.handle("lin-kv", "n0", { type: "read", key: 1 })).toMatchObject({ code: 20 });
  });

  it("hands out timestamps 0, 1, 2, … as Maelstrom's lin-tso does", () => {
    const services = new ClusterServices(SEED);
    expect([0, 1, 2].map(() => services.handle("lin-tso", "n0", { type: "ts" }).ts)).toEqual([0, 1, 2]);
  });

  it("refuses what it does not support, and a request without a key", () => {
    const services = new ClusterServices(SEED);
    expect(services.handle("lin-kv", "n0", { type: "txn", key: "k" })).toMatchObject({ type: "error", code: 10 });
    expect(services.handle("seq-kv", "n0", { type: "read" })).toMatchObject({ type: "error", code: 12 });
  });
});

/** n0 writes 1..writes to key "k"; then n1 reads it `reads` times: the values n1 saw. */
function staleReads(seed: string, writes: number, reads: number): unknown[] {
  const kv = new SequentialKv(seed);
  for (let v = 1; v <= writes; v++) kv.handle("n0", { type: "write", key: "k", value: v });
  return Array.from({ length: reads }, () => {
    const reply = kv.handle("n1", { type: "read", key: "k" });
    return reply.type === "read_ok" ? reply.value : null;
  });
}

describe("seq-kv: sequentially consistent, as Maelstrom's", () => {
  it("answers a caller that has not seen the latest state from a past one, never the latest", () => {
    const seen = staleReads(SEED, 10, 200);
    // Never 10 (the latest), never backwards (null: the key before the first write).
    expect(seen).not.toContain(10);
    const numbers = seen.map((v) => (v === null ? 0 : (v as number)));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    // Stale but catching up: over 200 reads n1 converges to the last past state.
    expect(numbers.at(-1)).toBe(9);
  });

  it("shows a caller its own writes at once", () => {
    const kv = new SequentialKv(SEED);
    kv.handle("n1", { type: "write", key: "other", value: 0 });
    for (let v = 1; v <= 5; v++) {
      kv.handle("n0", { type: "write", key: "k", value: v });
      expect(kv.handle("n0", { type: "read", key: "k" })).toEqual({ type: "read_ok", value: v });
    }
  });

  it("brings a caller to the latest state once it writes anything (the usual way to force a fresh read)", () => {
    const kv = new SequentialKv(SEED);
    for (let v = 1; v <= 5; v++) kv.handle("n0", { type: "write", key: "k", value: v });
    kv.handle("n1", { type: "write", key: "n1-sync", value: "a fresh value" });
    expect(kv.handle("n1", { type: "read", key: "k" })).toEqual({ type: "read_ok", value: 5 });
  });

  it("runs a cas that would succeed on a stale state on the latest, where it fails", () => {
    const kv = new SequentialKv(SEED);
    kv.handle("n0", { type: "write", key: "k", value: 1 });
    kv.handle("n1", { type: "read", key: "k" }); // n1 now at state 1 at most
    kv.handle("n0", { type: "write", key: "k", value: 2 });
    kv.handle("n0", { type: "write", key: "k", value: 3 });
    // Whatever state n1 is shown, a cas from 2 only succeeds where k is 2: it is not, in the latest state.
    // (It may fail with 20 too: in a past state the key did not exist yet.)
    expect(kv.handle("n1", { type: "cas", key: "k", from: 2, to: 9 })).toMatchObject({ type: "error" });
    expect(kv.handle("n0", { type: "read", key: "k" })).toEqual({ type: "read_ok", value: 3 });
    // A cas from the latest value may keep failing on past states (they never include the latest);
    // a cas loop that reads, then cas-es from what it read, gets there: a cas that would change a
    // past state runs on the latest, fails there, and brings n1 up to date.
    let attempts = 1;
    for (; attempts < 100; attempts++) {
      const read = kv.handle("n1", { type: "read", key: "k" });
      const from = read.type === "read_ok" ? read.value : 0;
      if (kv.handle("n1", { type: "cas", key: "k", from, to: 4 }).type === "cas_ok") break;
    }
    expect(attempts).toBeLessThan(10);
    expect(kv.handle("n1", { type: "read", key: "k" })).toEqual({ type: "read_ok", value: 4 });
  });

  it("is never more than its window of states behind", () => {
    const seen = staleReads(SEED, WINDOW_STATES * 3, 1);
    expect(seen[0]).toBeGreaterThanOrEqual(WINDOW_STATES * 3 - (WINDOW_STATES - 1));
  });

  it("makes the same choices from the same seed, and others from another", () => {
    expect(staleReads("7", 30, 10)).toEqual(staleReads("7", 30, 10));
    const runs = new Set(["1", "2", "3", "4"].map((seed) => JSON.stringify(staleReads(seed, 30, 10))));
    expect(runs.size).toBeGreaterThan(1);
  });

  it("keeps each caller's choices apart: another node's requests do not change a node's draws", () => {
    const alone = staleReads(SEED, 30, 1);
    const kv = new SequentialKv(SEED);
    for (let v = 1; v <= 30; v++) kv.handle("n0", { type: "write", key: "k", value: v });
    for (let i = 0; i < 5; i++) kv.handle("n2", { type: "read", key: "k" });
    expect([kv.handle("n1", { type: "read", key: "k" })]).toEqual([{ type: "read_ok", value: alone[0] }]);
  });
});

describe("lww-kv: last write wins over replicas", () => {
  it("may miss a write, and converges as requests gossip the replicas", () => {
    const kv = new LastWriteWinsKv(SEED);
    expect(kv.handle("n0", { type: "write", key: "k", value: "v" })).toEqual({ type: "write_ok" });
    const replies = Array.from({ length: 200 }, () => kv.handle("n1", { type: "read", key: "k" }));
    // Some reads land on replicas that have not heard of the write yet.
    expect(replies.slice(0, 20).some((r) => r.type === "error" && r.code === 20)).toBe(true);
    // After enough merges every replica has it.
    expect(replies.slice(-REPLICAS * 4)).toEqual(Array(REPLICAS * 4).fill({ type: "read_ok", value: "v" }));
  });

  it("resolves concurrent writes by timestamp: the later write on a replica wins everywhere", () => {
    const kv = new LastWriteWinsKv(SEED);
    for (let v = 1; v <= 50; v++) kv.handle(`n${v % 3}`, { type: "write", key: "k", value: v });
    const finals = new Set(Array.from({ length: 300 }, () => JSON.stringify(kv.handle("n0", { type: "read", key: "k" }))).slice(-REPLICAS * 4));
    expect(finals.size).toBe(1);
  });
});
