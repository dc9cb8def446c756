import { describe, expect, it } from "vitest";
import { Random } from "../../lib/random.js";
import { WORKLOADS, WORKLOAD_NAMES, workloadNamed } from "../../lib/workloads/index.js";
import type { GeneratedOp, WorkloadContext } from "../../lib/workloads/types.js";

/** A context with every workload's options (each reads only its own). */
const context = (over: Record<string, unknown> = {}): WorkloadContext<never> =>
  ({ nodeIds: ["n0", "n1", "n2", "n3"], seed: "1", options: { keyCount: 3, maxWritesPerKey: 16, topology: "grid", ...over } }) as unknown as WorkloadContext<never>;
/** The workload of that name (the tests name only known ones). */
const workload = (name: string) => workloadNamed(name)!;

/** The first `count` operations of `clients` clients of a workload, as the controller creates them (one context, forked streams). */
function generate(name: string, seed: string, count: number, clients = 1, ctx = context()): GeneratedOp[][] {
  const root = new Random(seed);
  const streams = Array.from({ length: clients }, () => workload(name).client(root.fork(), ctx));
  return streams.map((stream) => Array.from({ length: count }, () => stream.next()));
}

const NEW_WORKLOADS = ["unique-ids", "broadcast", "g-set", "g-counter", "pn-counter", "kafka"];

describe("workload generators", () => {
  it("registers every workload under its Maelstrom name, each with a checker and its options", () => {
    for (const name of NEW_WORKLOADS) {
      expect(WORKLOAD_NAMES).toContain(name);
      expect(workload(name).name).toBe(name);
    }
    for (const name of WORKLOAD_NAMES) {
      expect(WORKLOADS[name].check, `checker for ${name}`).toBeTypeOf("function");
      // Every option has a default: a test that names none is valid.
      expect(() => WORKLOADS[name].options.parse({}), `options of ${name}`).not.toThrow();
    }
    expect(WORKLOADS["lin-kv"].options.parse({})).toEqual({ keyCount: 5 });
    expect(WORKLOADS.broadcast.options.parse({})).toEqual({ topology: "grid" });
  });

  it.each(NEW_WORKLOADS)("%s replays the same operations from the same seed", (name) => {
    expect(generate(name, "42", 200, 3)).toEqual(generate(name, "42", 200, 3));
    // unique-ids has nothing to randomise: every request is a bare generate.
    if (name !== "unique-ids") expect(generate(name, "42", 200, 3)).not.toEqual(generate(name, "43", 200, 3));
  });

  it.each(["broadcast", "g-set", "kafka"])("%s never sends the same value from two clients", (name) => {
    const ops = generate(name, "7", 300, 10).flat();
    const values = ops
      .filter((op) => op.f === "broadcast" || op.f === "add" || op.f === "send")
      .map((op) => (op.f === "send" ? (op.value as { msg: number }).msg : op.value));
    expect(values.length).toBeGreaterThan(1000);
    expect(new Set(values).size).toBe(values.length);
    for (const value of values) expect(Number.isInteger(value)).toBe(true);
  });

  it("puts the request's fields in the Maelstrom body", () => {
    const bodies = new Map<string, Record<string, unknown>>();
    for (const name of NEW_WORKLOADS) for (const op of generate(name, "5", 100)[0]!) bodies.set(`${name}/${op.body.type}`, op.body);
    expect(bodies.get("unique-ids/generate")).toEqual({ type: "generate" });
    expect(bodies.get("broadcast/broadcast")).toMatchObject({ message: expect.any(Number) });
    expect(bodies.get("broadcast/read")).toEqual({ type: "read" });
    expect(bodies.get("g-set/add")).toMatchObject({ element: expect.any(Number) });
    expect(bodies.get("g-counter/add")).toMatchObject({ delta: expect.any(Number) });
    // Maelstrom's kafka keys are integers sent as strings.
    expect(bodies.get("kafka/send")).toMatchObject({ key: expect.stringMatching(/^[0-2]$/), msg: expect.any(Number) });
    expect(bodies.get("kafka/poll")).toMatchObject({ offsets: expect.any(Object) });
    expect(bodies.get("kafka/list_committed_offsets")).toMatchObject({ keys: expect.any(Array) });
  });

  it("adds only positive deltas to a g-counter and non-zero deltas of both signs to a pn-counter", () => {
    const deltas = (name: string) => generate(name, "9", 500)[0]!.filter((op) => op.f === "add").map((op) => op.value as number);
    expect(deltas("g-counter").every((d) => d >= 1 && d <= 5)).toBe(true);
    const pn = deltas("pn-counter");
    expect(pn.some((d) => d < 0) && pn.some((d) => d > 0)).toBe(true);
    expect(pn.every((d) => d !== 0 && Math.abs(d) <= 5)).toBe(true);
  });

  it("tells every broadcast node its neighbours in the suite's topology", () => {
    const setup = WORKLOADS.broadcast.setup!(context({ topology: "line" }));
    expect(setup.map((s) => s.node)).toEqual(["n0", "n1", "n2", "n3"]);
    expect(setup[0]!.body).toEqual({ type: "topology", topology: { n0: ["n1"], n1: ["n0", "n2"], n2: ["n1", "n3"], n3: ["n2"] } });
  });

  it.each([
    { name: "broadcast", f: "read" },
    { name: "g-set", f: "read" },
    { name: "g-counter", f: "read" },
    { name: "pn-counter", f: "read" },
  ])("$name ends with one final $f per node", ({ name, f }) => {
    const ops = workload(name).finalOps!(context(), "n1");
    expect(ops.map((op) => op.f)).toEqual([f]);
  });

  it("sends only integer keys, as strings, to every kafka request, and no key more than maxWritesPerKey sends from all clients together", () => {
    const ops = generate("kafka", "11", 400, 3, context({ keyCount: 12, maxWritesPerKey: 4 })).flat();
    const keys = new Set<string>();
    const sends = new Map<string, number>();
    for (const { body } of ops) {
      if (body.type === "send") {
        keys.add(body.key as string);
        sends.set(body.key as string, (sends.get(body.key as string) ?? 0) + 1);
      }
      if (body.type === "poll" || body.type === "commit_offsets") for (const k of Object.keys(body.offsets as object)) keys.add(k);
      if (body.type === "list_committed_offsets") for (const k of body.keys as string[]) keys.add(k);
    }
    for (const key of keys) expect(key).toMatch(/^(0|[1-9]\d*)$/);
    expect(Math.max(...sends.values())).toBe(4);
    // About 590 sends, 4 per key: keys well past the 12 live at once.
    expect(sends.size).toBeGreaterThanOrEqual(Math.ceil([...sends.values()].reduce((a, b) => a + b, 0) / 4));
    expect(Math.max(...[...keys].map(Number))).toBeGreaterThan(100);
  });

  describe("kafka final polls", () => {
    const pollOk = (msgs: Record<string, Array<[number, number]>>) => ({ type: "poll_ok", msgs });
    /** A run's context where the main phase saw these offsets acknowledged (key → offsets). */
    function afterMainPhase(acked: Record<string, number[]>) {
      const ctx = context({ keyCount: 3 });
      const client = WORKLOADS.kafka.client(new Random("1"), ctx);
      for (const [key, offsets] of Object.entries(acked)) {
        for (const offset of offsets) client.observe!({ f: "send", value: { key, msg: offset }, body: { type: "send", key, msg: offset } }, { type: "send_ok", offset });
      }
      return ctx;
    }

    it("polls every key from offset 0 first, then on from where each reply ended until the highest acknowledged offset is reached", () => {
      const final = WORKLOADS.kafka.finalClient!(afterMainPhase({ 0: [0, 1, 2, 3, 4], 2: [0] }), "n0");
      const steps: Array<Record<string, number>> = [];
      // A node that returns at most two messages per key per poll.
      const log: Record<string, Array<[number, number]>> = { 0: [[0, 10], [1, 11], [2, 12], [3, 13], [4, 14]], 2: [[0, 20]] };
      for (let step = final.next(0); step; step = final.next(0)) {
        const offsets = step.op.body.offsets as Record<string, number>;
        steps.push(offsets);
        expect(step.delayMs).toBe(0);
        final.observe(step.op, pollOk(Object.fromEntries(Object.entries(offsets).map(([k, from]) => [k, (log[k] ?? []).filter(([o]) => o >= from).slice(0, 2)]))));
        expect(steps.length).toBeLessThan(10);
      }
      expect(steps).toEqual([{ 0: 0, 1: 0, 2: 0 }, { 0: 2 }, { 0: 4 }]);
    });

    it.each([
      { name: "a reply with nothing new is followed by a pause", elapsedMs: 500, reply: pollOk({}), next: { delayMs: 200, offsets: { 0: 0 } } },
      { name: "a lost reply is followed by a pause", elapsedMs: 500, reply: undefined, next: { delayMs: 200, offsets: { 0: 0 } } },
      { name: "progress short of the target polls on at once", elapsedMs: 500, reply: pollOk({ 0: [[0, 1]] }), next: { delayMs: 0, offsets: { 0: 1 } } },
      { name: "it stops after 10 s even if not caught up", elapsedMs: 10_000, reply: pollOk({}), next: undefined },
    ])("$name", ({ elapsedMs, reply, next }) => {
      const final = WORKLOADS.kafka.finalClient!(afterMainPhase({ 0: [3] }), "n0");
      const first = final.next(0)!;
      final.observe(first.op, reply);
      const step = final.next(elapsedMs);
      expect(step && { delayMs: step.delayMs, offsets: step.op.body.offsets }).toEqual(next);
    });

    it("stops after one poll when the main phase saw nothing", () => {
      const final = WORKLOADS.kafka.finalClient!(afterMainPhase({}), "n0");
      const first = final.next(0)!;
      expect(first.op.body).toEqual({ type: "poll", offsets: { 0: 0, 1: 0, 2: 0 } });
      final.observe(first.op, pollOk({}));
      expect(final.next(1)).toBeUndefined();
    });

    it("also polls up to the highest offset a main-phase poll returned", () => {
      const ctx = context({ keyCount: 3 });
      const client = WORKLOADS.kafka.client(new Random("1"), ctx);
      const list: GeneratedOp = { f: "list_committed_offsets", value: { keys: ["1"] }, body: { type: "list_committed_offsets", keys: ["1"] } };
      client.observe!(list, { type: "list_committed_offsets_ok", offsets: {} });
      client.observe!({ f: "poll", value: { offsets: { 1: 0 } }, body: { type: "poll", offsets: { 1: 0 } } }, pollOk({ 1: [[6, 1]] }));
      const final = WORKLOADS.kafka.finalClient!(ctx, "n0");
      final.observe(final.next(0)!.op, pollOk({ 1: [[0, 9]] }));
      expect(final.next(1)!.op.body.offsets).toEqual({ 1: 1 });
    });
  });

  it("records the reply's payload as the ok value", () => {
    const ok = (name: string, op: GeneratedOp, reply: Record<string, unknown>) => workload(name).okValue(op, reply);
    expect(ok("unique-ids", { f: "generate", value: null, body: { type: "generate" } }, { type: "generate_ok", id: "n1-7" })).toBe("n1-7");
    expect(ok("broadcast", { f: "read", value: null, body: { type: "read" } }, { type: "read_ok", messages: [1, 2] })).toEqual([1, 2]);
    expect(ok("broadcast", { f: "broadcast", value: 5, body: { type: "broadcast", message: 5 } }, { type: "broadcast_ok" })).toBe(5);
    expect(ok("g-set", { f: "read", value: null, body: { type: "read" } }, { type: "read_ok", value: [3] })).toEqual([3]);
    expect(ok("pn-counter", { f: "read", value: null, body: { type: "read" } }, { type: "read_ok", value: -4 })).toBe(-4);
    const send: GeneratedOp = { f: "send", value: { key: "1", msg: 7 }, body: { type: "send", key: "1", msg: 7 } };
    expect(ok("kafka", send, { type: "send_ok", offset: 3 })).toEqual({ key: "1", msg: 7, offset: 3 });
    const list: GeneratedOp = { f: "list_committed_offsets", value: { keys: ["1"] }, body: { type: "list_committed_offsets", keys: ["1"] } };
    expect(ok("kafka", list, { type: "list_committed_offsets_ok", offsets: { 1: 2 } })).toEqual({ offsets: { 1: 2 } });
  });

  describe("a kafka client", () => {
    const list = (keys: string[]): GeneratedOp => ({ f: "list_committed_offsets", value: { keys }, body: { type: "list_committed_offsets", keys } });
    const pollOf = (offsets: Record<string, number>): GeneratedOp => ({ f: "poll", value: { offsets }, body: { type: "poll", offsets } });
    /** The next operation that is not a send or a change of keys (those are drawn at random between the ones under test). */
    const nextOf = (client: { next(): GeneratedOp }, f: string) => {
      for (let i = 0; i < 1000; i++) {
        const op = client.next();
        if (op.f === f) return op;
        if (op.f !== "send" && op.f !== "list_committed_offsets") return op;
      }
      throw new Error(`no ${f} in 1000 operations`);
    };

    it("polls no key before it takes keys, as Maelstrom's clients do", () => {
      const client = WORKLOADS.kafka.client(new Random("3"), context());
      expect(nextOf(client, "poll").value).toEqual({ offsets: {} });
    });

    it("starts a key it takes at the listed committed offset, or 0, and keeps its place on a key it already consumes", () => {
      const client = WORKLOADS.kafka.client(new Random("3"), context());
      client.observe!(list(["1"]), { type: "list_committed_offsets_ok", offsets: {} });
      client.observe!(pollOf({ 1: 0 }), { type: "poll_ok", msgs: { 1: [[0, 10], [1, 11]] } });
      expect(nextOf(client, "commit_offsets").value).toEqual({ offsets: { 1: 1 } });
      client.observe!(list(["1", "4", "7"]), { type: "list_committed_offsets_ok", offsets: { 1: 0, 4: 3, 7: "x" } });
      expect(nextOf(client, "poll").value).toEqual({ offsets: { 1: 2, 4: 3, 7: 0 } });
      // A listing that failed changes nothing.
      client.observe!(list(["9"]), { type: "error", code: 11 });
      expect(nextOf(client, "poll").value).toEqual({ offsets: { 1: 2, 4: 3, 7: 0 } });
    });

    it("polls on from what it consumed, and commits the highest offset of each key a poll returned, once, right after it", () => {
      const client = WORKLOADS.kafka.client(new Random("3"), context());
      client.observe!(list(["0"]), { type: "list_committed_offsets_ok", offsets: {} });
      const poll = nextOf(client, "poll");
      expect(poll.value).toEqual({ offsets: { 0: 0 } });
      client.observe!(poll, { type: "poll_ok", msgs: { 0: [[0, 10], [4, 11]], 5: [[0, 1]] } });
      // The commit comes next, before any other operation; the key it does not consume is not committed.
      expect(client.next().value).toEqual({ offsets: { 0: 4 } });
      const later = Array.from({ length: 40 }, () => client.next());
      expect(later.find((o) => o.f === "poll")!.value).toEqual({ offsets: { 0: 5 } });
      expect(later.some((o) => o.f === "commit_offsets")).toBe(false);
      // A poll that returned nothing is not followed by a commit.
      client.observe!(pollOf({ 0: 5 }), { type: "poll_ok", msgs: {} });
      expect(client.next().f).not.toBe("commit_offsets");
    });

    it("sometimes takes every key sent to but not yet polled up to, beside one drawn as a send's key", () => {
      const ctx = context({ keyCount: 3 });
      const sender = WORKLOADS.kafka.client(new Random("4"), ctx);
      for (const key of ["0", "1", "2"]) sender.observe!({ f: "send", value: { key, msg: 1 }, body: { type: "send", key, msg: 1 } }, { type: "send_ok", offset: 2 });
      // Key 2 is caught up: a poll returned its offset 2.
      sender.observe!(list(["2"]), { type: "list_committed_offsets_ok", offsets: {} });
      sender.observe!(pollOf({ 2: 0 }), { type: "poll_ok", msgs: { 2: [[2, 1]] } });
      const taken = Array.from({ length: 3000 }, () => sender.next())
        .filter((op) => op.f === "list_committed_offsets")
        .map((op) => (op.value as { keys: string[] }).keys);
      expect(taken.length).toBeGreaterThan(20);
      expect(taken.some((keys) => keys.length === 1)).toBe(true);
      expect(taken).toContainEqual(expect.arrayContaining(["0", "1"]));
      for (const keys of taken) expect(keys.length).toBeLessThanOrEqual(3);
    });
  });

  it("ignores a malformed poll reply instead of crashing the controller", () => {
    const client = WORKLOADS.kafka.client(new Random("3"), context({ keyCount: 1 }));
    const poll: GeneratedOp = { f: "poll", value: { offsets: { 0: 0 } }, body: { type: "poll", offsets: { 0: 0 } } };
    expect(() => client.observe!(poll, { type: "poll_ok", msgs: { 0: "nope", 1: [null, ["x", 1]] } })).not.toThrow();
    expect(() => client.observe!(poll, undefined)).not.toThrow();
  });
});
