import { describe, expect, it } from "vitest";
import { describeNetwork } from "../../lib/reports/run-report.js";
import { chooseShaper } from "../../sandbox/capabilities.js";
import { describeShaping } from "../../sandbox/fault-schedule.js";
import { composeShapes, cutsBySender, netemCommands, netemSpec, NO_SHAPE, queueRules, schedulerConfig, type LinkShape } from "../../sandbox/shaping.js";

const NODES = ["n0", "n1", "n2"];
const shape = (partial: Partial<LinkShape>): LinkShape => ({ ...NO_SHAPE, ...partial });

describe("composing a test's latency with shaping steps", () => {
  it("gives every link the test's latency, and nothing without it", () => {
    const plan = composeShapes(NODES, { ms: 100, distribution: "exponential" }, []);
    for (const sender of NODES) {
      expect([...plan.get(sender)!.keys()].sort()).toEqual(NODES.filter((n) => n !== sender));
      for (const s of plan.get(sender)!.values()) expect(s).toEqual(shape({ delayMs: 100, distribution: "exponential" }));
    }
    expect([...composeShapes(NODES, null, []).values()].every((links) => links.size === 0)).toBe(true);
  });

  it("adds a delay step to the latency, on the packets it covers only", () => {
    const plan = composeShapes(NODES, { ms: 100, distribution: "constant" }, [{ kind: "delay", at: 1, ms: 50, from: "n0", to: "n1" }]);
    expect(plan.get("n0")!.get("n1")!.delayMs).toBe(150);
    expect(plan.get("n1")!.get("n0")!.delayMs).toBe(100);
    expect(plan.get("n0")!.get("n2")!.delayMs).toBe(100);
  });

  it("lets the latest step of a kind hold on each link (a later one replaces, ms 0 lifts)", () => {
    const plan = composeShapes(NODES, null, [
      { kind: "delay", at: 1, ms: 300 },
      { kind: "delay", at: 2, ms: 50, node: "n1" },
      { kind: "delay", at: 3, ms: 0, from: "n2", to: "n0" },
    ]);
    expect(plan.get("n0")!.get("n1")!.delayMs).toBe(300);
    expect(plan.get("n1")!.get("n0")!.delayMs).toBe(50);
    expect(plan.get("n2")!.get("n1")!.delayMs).toBe(300);
    expect(plan.get("n2")!.has("n0")).toBe(false);
  });

  it("gives jitter and reorder a delay of their own where there is none, and composes duplicate with anything", () => {
    const jitter = composeShapes(["a", "b"], null, [{ kind: "jitter", at: 0, ms: 20 }]).get("a")!.get("b");
    expect(jitter).toEqual(shape({ delayMs: 20, jitterMs: 20 }));
    const reorder = composeShapes(["a", "b"], null, [{ kind: "reorder", at: 0, percent: 25 }]).get("a")!.get("b");
    expect(reorder).toEqual(shape({ delayMs: 100, reorderPercent: 25 }));
    const both = composeShapes(["a", "b"], { ms: 10, distribution: "uniform" }, [{ kind: "duplicate", at: 0 }, { kind: "jitter", at: 0, ms: 4 }]).get("a")!.get("b");
    expect(both).toEqual(shape({ delayMs: 10, distribution: "uniform", jitterMs: 4, duplicatePercent: 10 }));
  });
});

describe("the scheduler's configuration", () => {
  const address = (id: string) => `198.18.5.${10 + Number(id.slice(1))}`;

  it("names links by the peer's address and lists the peers a partition cuts", () => {
    const plan = composeShapes(NODES, { ms: 5, distribution: "constant" }, []);
    const cuts = cutsBySender(new Map([["n1", new Set(["n0"])], ["n2", new Set(["n0"])]]));
    expect(cuts.get("n0")).toEqual(new Set(["n1", "n2"]));
    const config = schedulerConfig("n0", plan, cuts.get("n0")!, address);
    expect(config).toEqual({ default: null, links: { "198.18.5.11": shape({ delayMs: 5 }), "198.18.5.12": shape({ delayMs: 5 }) }, cut: ["198.18.5.11", "198.18.5.12"] });
  });

  it("queues only the node's packets to its peers, and lets its own copies pass", () => {
    const rules = queueRules(["198.18.5.11", "198.18.5.12"]);
    expect(rules).toContain("--mark 0x5a17 -j RETURN");
    expect(rules.match(/-j NFQUEUE --queue-num 0/g)).toHaveLength(2);
    expect(rules.indexOf("RETURN")).toBeLessThan(rules.indexOf("NFQUEUE"));
  });
});

describe("netem, where it is the way", () => {
  it("says each shape in netem's words", () => {
    expect(netemSpec(shape({ delayMs: 100 }))).toBe("delay 100ms");
    expect(netemSpec(shape({ delayMs: 100, distribution: "uniform" }))).toBe("delay 100ms 100ms");
    expect(netemSpec(shape({ delayMs: 50, jitterMs: 10, reorderPercent: 25, duplicatePercent: 5 }))).toBe("delay 50ms 10ms reorder 25% duplicate 5%");
    expect(() => netemSpec(shape({ delayMs: 100, distribution: "exponential" }))).toThrow(/netem cannot draw exponential delays/);
  });

  it("builds one class per shaped peer, chosen by destination, with the bandwidth limit as every class's rate", () => {
    const links = new Map([
      ["n1", shape({ delayMs: 30 })],
      ["n2", NO_SHAPE],
    ]);
    const commands = netemCommands(links, (id) => `10.9.9.${id.slice(1)}`, null);
    expect(commands.filter((c) => c.includes("netem"))).toEqual(["tc qdisc add dev eth0 parent 1:2 handle 2: netem delay 30ms"]);
    expect(commands).toContain("tc filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 10.9.9.1/32 flowid 1:2");
    expect(commands.some((c) => c.includes("10.9.9.2"))).toBe(false);
    expect(commands.filter((c) => c.includes("htb rate")).every((c) => c.endsWith("rate 10gbit"))).toBe(true);
    expect(netemCommands(links, (id) => id, 512).filter((c) => c.includes("htb rate")).every((c) => c.endsWith("rate 512kbit"))).toBe(true);
  });
});

describe("choosing how a runner shapes", () => {
  const yes = { available: true, detail: "works" };
  const no = (detail: string) => ({ available: false, detail });

  it("prefers our scheduler, falls back on netem, and says when there is neither", () => {
    expect(chooseShaper("auto", yes, yes).kind).toBe("userspace");
    expect(chooseShaper("auto", no("no NFQUEUE"), yes)).toEqual({ kind: "netem", detail: "netem (our scheduler cannot run: no NFQUEUE)" });
    expect(chooseShaper("auto", no("no NFQUEUE"), no("Specified qdisc kind is unknown"))).toEqual({
      kind: "none",
      detail: "no way to hold packets: our scheduler: no NFQUEUE; netem: Specified qdisc kind is unknown",
    });
  });

  it("uses only what the operator asked for, or nothing, saying so", () => {
    expect(chooseShaper("netem", yes, yes).kind).toBe("netem");
    expect(chooseShaper("netem", yes, no("Specified qdisc kind is unknown"))).toEqual({ kind: "none", detail: "LABGRADE_SHAPER=netem, but netem: Specified qdisc kind is unknown" });
    expect(chooseShaper("userspace", yes, no("x")).kind).toBe("userspace");
  });
});

it("describes shaping steps for the fault timeline", () => {
  expect(describeShaping({ kind: "delay", at: 1, ms: 250 })).toBe("delay +250 ms on every packet between nodes");
  expect(describeShaping({ kind: "jitter", at: 1, node: "n2" })).toBe("jitter ±100 ms on n2's packets to its peers");
  expect(describeShaping({ kind: "duplicate", at: 1, percent: 3, from: "n0", to: "n1" })).toBe("3% of packets duplicated one way from n0 to n1");
});

it("tells a run's report how its packets were delayed", () => {
  expect(describeNetwork({ shaper: "userspace", latency: { ms: 100, distribution: "constant" }, delayedPackets: 9482, lostByScheduler: 0, lateP99Ms: 8.385 })).toBe(
    "100 ms latency (constant) on every packet between nodes; delays applied by our packet scheduler: 9482 packets held, none lost by the scheduler, 99 % released within 8.4 ms of their time. Clients and services are not delayed.",
  );
  expect(describeNetwork({ shaper: "netem", latency: null, delayedPackets: null, lostByScheduler: null, lateP99Ms: null })).toBe(
    "no latency of its own; delays applied by the kernel's netem. Clients and services are not delayed.",
  );
});
