// Checks a valid suite against what the runners can actually do. A fault the
// runners' kernels cannot apply (netem's delay, jitter, reordering and
// duplication on a host without sch_netem) is refused when the suite is
// checked, with the reason, never silently skipped at run time.
import { NETEM_FAULTS, type SuiteSpec } from "./schema.js";

export interface RunnerCapabilitySummary {
  /** True if at least one live runner has netem. */
  netem: boolean;
  /** Why not, in the runners' own words (e.g. "Specified qdisc kind is unknown"). */
  netemDetail?: string;
}

export interface CapabilityProblem {
  path: string;
  message: string;
}

export function checkSuiteCapabilities(spec: SuiteSpec, caps: RunnerCapabilitySummary): CapabilityProblem[] {
  const problems: CapabilityProblem[] = [];
  spec.tests.forEach((test, t) =>
    test.faults.forEach((fault, f) => {
      if ((NETEM_FAULTS as readonly string[]).includes(fault.kind) && !caps.netem) {
        problems.push({
          path: `tests.${t}.faults.${f}.kind`,
          message: `"${fault.kind}" needs the kernel's netem queueing discipline, which no runner has${caps.netemDetail ? ` (${caps.netemDetail})` : ""}; use partition, loss, bandwidth, kill or pause, or add a runner whose kernel has sch_netem`,
        });
      }
    }),
  );
  return problems;
}
