// Checks a valid suite against what the runners can actually do. Delay,
// jitter, reordering, duplication and a test's latency need a runner that can
// hold packets: with our packet scheduler (NFQUEUE) or the kernel's netem
// (sandbox/capabilities.ts probes both). Where no runner can, the suite is
// refused when it is saved, with the runners' own reasons, never skipped at
// run time.
import type { Db } from "../db.js";
import { needsShaping, raftTestNamed } from "../labs/mit-6.5840/raft-tests.js";
import { isRaftTest, SHAPING_FAULTS, type SuiteSpec } from "./schema.js";

/** How a runner shapes packets between nodes (sandbox/shaping.ts). */
export type ShapingKind = "userspace" | "netem" | "none";

export interface RunnerCapabilitySummary {
  /** Whether at least one runner can shape packets, and why not if none can. */
  shaping: { available: boolean; detail?: string };
}

export interface CapabilityProblem {
  path: string;
  message: string;
}

export function checkSuiteCapabilities(spec: SuiteSpec, caps: RunnerCapabilitySummary): CapabilityProblem[] {
  if (caps.shaping.available) return [];
  const why = caps.shaping.detail ? ` (${caps.shaping.detail})` : "";
  const problems: CapabilityProblem[] = [];
  spec.tests.forEach((test, t) => {
    if (isRaftTest(test)) {
      const info = raftTestNamed(test.raft)!;
      if (needsShaping(info)) {
        problems.push({
          path: `tests.${t}.raft`,
          message: `${test.raft} runs on an unreliable network (lost and delayed packets), which needs a runner that can delay packets, and none can${why}; choose another test, or add a runner whose kernel has NFQUEUE or sch_netem`,
        });
      }
      return;
    }
    if (test.latency) {
      problems.push({
        path: `tests.${t}.latency`,
        message: `latency needs a runner that can delay packets, and none can${why}; remove it, or add a runner whose kernel has NFQUEUE or sch_netem`,
      });
    }
    test.faults.forEach((fault, f) => {
      if ((SHAPING_FAULTS as readonly string[]).includes(fault.kind)) {
        problems.push({
          path: `tests.${t}.faults.${f}.kind`,
          message: `"${fault.kind}" needs a runner that can hold packets, and none can${why}; use partition, loss, bandwidth, kill or pause, or add a runner whose kernel has NFQUEUE or sch_netem`,
        });
      }
    });
  });
  return problems;
}

/** A runner heard from this recently counts when a suite is checked. */
const RECENT_RUNNER_MS = 24 * 60 * 60 * 1000;

/**
 * What the runners heard from in the last day can do, from the capabilities
 * each records at start (runner/worker.ts). Null when no runner has been
 * heard from: nothing is known, and nothing would run the suite yet.
 */
export async function runnerCapabilities(db: Db, now = new Date()): Promise<RunnerCapabilitySummary | null> {
  const runners = await db.runner.findMany({
    where: { heartbeatAt: { gte: new Date(now.getTime() - RECENT_RUNNER_MS) } },
    select: { id: true, capabilities: true },
  });
  if (runners.length === 0) return null;
  const reasons = new Set<string>();
  for (const runner of runners) {
    const shaping = shapingOf(runner.capabilities);
    if (shaping.kind !== "none") return { shaping: { available: true } };
    if (shaping.detail) reasons.add(shaping.detail);
  }
  return { shaping: { available: false, detail: [...reasons].join("; ") || undefined } };
}

/** A runner's shaping, from its recorded capabilities (runners from before shaping existed had only netem). */
export function shapingOf(capabilities: unknown): { kind: ShapingKind; detail?: string } {
  const caps = (capabilities ?? {}) as { shaping?: { kind?: unknown; detail?: unknown }; netem?: { available?: unknown; detail?: unknown } };
  const kind = caps.shaping?.kind;
  if (kind === "userspace" || kind === "netem" || kind === "none") {
    return { kind, detail: typeof caps.shaping?.detail === "string" ? caps.shaping.detail : undefined };
  }
  if (caps.netem?.available === true) return { kind: "netem" };
  return { kind: "none", detail: typeof caps.netem?.detail === "string" ? caps.netem.detail : undefined };
}
