// Every checker's evidence names its kind (the report picks its sections by
// it), and evidence stored before kinds existed is named by its shape.
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../lib/history.js";
import { readEvidence } from "../../lib/reports/run-report.js";
import { WORKLOAD_NAMES, WORKLOADS } from "../../lib/workloads/index.js";

const KIND_OF_WORKLOAD = {
  echo: "echo",
  "unique-ids": "unique-ids",
  broadcast: "set-completeness",
  "g-set": "set-completeness",
  "g-counter": "counter",
  "pn-counter": "counter",
  kafka: "kafka",
  "lin-kv": "linearizability",
} as const;

describe("evidence kinds", () => {
  it.each(WORKLOAD_NAMES)("%s's checker names its kind, even for an empty history", (name) => {
    const events: HistoryEvent[] = [];
    expect(WORKLOADS[name].check(events, { nodeIds: ["n0"], budgetMs: 1000 }).evidence.kind).toBe(KIND_OF_WORKLOAD[name]);
  });

  it("names stored evidence from before kinds by its shape", () => {
    expect(readEvidence({ kind: "kafka", sends: 1 }).kind).toBe("kafka");
    expect(readEvidence({ attempted: 3, stableLatencyMs: null }).kind).toBe("set-completeness");
    expect(readEvidence({ key: 0, impossible: { process: 1 }, operations: [] }).kind).toBe("linearizability");
    expect(readEvidence({ operations: 5, ok: 4, keys: 2, searchSteps: 10 }).kind).toBe("linearizability");
    expect(readEvidence({ oomKilled: ["n0"] })).toEqual({ kind: "run", oomKilled: ["n0"] });
    expect(readEvidence(null)).toEqual({ kind: "run" });
  });
});
