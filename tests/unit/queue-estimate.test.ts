// The queue estimate's arithmetic (lib/jobs/queue-place.ts estimateStartInMs):
// the queue played forward, each job priced at its own lab's grading time, a
// running job holding its slot only for what remains of it.
import { describe, expect, it } from "vitest";
import { estimateStartInMs, type QueueSnapshot } from "../../lib/jobs/queue-place.js";

const S = 1000;
const times = (byLab: Record<string, number>, anyLab: number | null = null) => ({ byLab: new Map(Object.entries(byLab)), anyLab });
const snapshot = (q: Partial<QueueSnapshot>): QueueSnapshot => ({ capacity: 1, running: [], ahead: [], gradingMs: times({ echo: 10 * S }), ...q });

describe("the queue estimate", () => {
  it("starts at once on an idle slot, and gives none without a slot or a known grading time", () => {
    expect(estimateStartInMs(snapshot({}))).toBe(0);
    expect(estimateStartInMs(snapshot({ capacity: 0 }))).toBeNull();
    expect(estimateStartInMs(snapshot({ ahead: [{ labId: "raft" }], gradingMs: times({}) }))).toBeNull();
  });

  it("prices every job ahead at its own lab's grading time, not the waiting job's", () => {
    // One slot; a raft grading (60 s) and two echo gradings (10 s) ahead.
    const q = snapshot({ ahead: [{ labId: "raft" }, { labId: "echo" }, { labId: "echo" }], gradingMs: times({ raft: 60 * S, echo: 10 * S }) });
    expect(estimateStartInMs(q)).toBe(80 * S);
  });

  it("holds a running job's slot only for what remains of its lab's time, none once it has run over", () => {
    const q = snapshot({ capacity: 2, running: [{ labId: "echo", runningForMs: 4 * S }, { labId: "echo", runningForMs: 7 * S }] });
    expect(estimateStartInMs(q)).toBe(3 * S);
    expect(estimateStartInMs({ ...q, running: [{ labId: "echo", runningForMs: 25 * S }, { labId: "echo", runningForMs: 1 * S }] })).toBe(0);
    // One job ahead takes the first slot to free (3 s, then 10 s): this one starts when the second frees.
    expect(estimateStartInMs({ ...q, ahead: [{ labId: "echo" }] })).toBe(6 * S);
  });

  it("gives each job ahead the first slot to free, so short gradings pass beside a long one", () => {
    const q = snapshot({ capacity: 2, ahead: [{ labId: "raft" }, { labId: "echo" }, { labId: "echo" }, { labId: "echo" }], gradingMs: times({ raft: 60 * S, echo: 10 * S }) });
    expect(estimateStartInMs(q)).toBe(30 * S);
  });

  it("prices a lab with no grading yet at any lab's recent time", () => {
    const q = snapshot({ ahead: [{ labId: "kafka" }, { labId: "echo" }], gradingMs: times({ echo: 10 * S }, 40 * S) });
    expect(estimateStartInMs(q)).toBe(50 * S);
  });

  it("queues running jobs beyond the capacity (a runner left) behind the slots that remain", () => {
    const q = snapshot({ capacity: 1, running: [{ labId: "echo", runningForMs: 2 * S }, { labId: "echo", runningForMs: 6 * S }] });
    // The slot frees after 4 s, then the other running job's remaining 8 s.
    expect(estimateStartInMs(q)).toBe(12 * S);
  });
});
