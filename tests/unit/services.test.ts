import { describe, expect, it } from "vitest";
import { handle } from "../../sandbox/programs/services/services.js";

describe("lin-kv and friends", () => {
  it("reads what was written, and says when a key does not exist", () => {
    expect(handle("lin-kv", { type: "read", key: "a" })).toMatchObject({ type: "error", code: 20 });
    expect(handle("lin-kv", { type: "write", key: "a", value: 1 })).toEqual({ type: "write_ok" });
    expect(handle("lin-kv", { type: "read", key: "a" })).toEqual({ type: "read_ok", value: 1 });
  });

  it("compare-and-sets only from the current value", () => {
    handle("lin-kv", { type: "write", key: "c", value: 1 });
    expect(handle("lin-kv", { type: "cas", key: "c", from: 2, to: 3 })).toMatchObject({ type: "error", code: 22 });
    expect(handle("lin-kv", { type: "cas", key: "c", from: 1, to: 3 })).toEqual({ type: "cas_ok" });
    expect(handle("lin-kv", { type: "read", key: "c" })).toEqual({ type: "read_ok", value: 3 });
    expect(handle("lin-kv", { type: "cas", key: "new", from: 0, to: 1 })).toMatchObject({ code: 20 });
    expect(handle("lin-kv", { type: "cas", key: "new", from: 0, to: 1, create_if_not_exists: true })).toEqual({ type: "cas_ok" });
  });

  it("keeps each service's keys apart, and numbers apart from strings", () => {
    handle("seq-kv", { type: "write", key: 1, value: "number" });
    handle("seq-kv", { type: "write", key: "1", value: "string" });
    expect(handle("seq-kv", { type: "read", key: 1 })).toEqual({ type: "read_ok", value: "number" });
    expect(handle("lww-kv", { type: "read", key: 1 })).toMatchObject({ code: 20 });
  });

  it("hands out strictly increasing timestamps", () => {
    const a = handle("lin-tso", { type: "ts" }).ts as number;
    const b = handle("lin-tso", { type: "ts" }).ts as number;
    expect(b).toBeGreaterThan(a);
  });

  it("refuses what it does not support", () => {
    expect(handle("lin-kv", { type: "txn", key: "k" })).toMatchObject({ type: "error", code: 10 });
  });
});
