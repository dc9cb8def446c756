// The workloads a suite can name, each one definition (types.ts): its
// options, generator and checker. Adding one here makes it available to suite
// validation (each test's settings are its workload's), the controller and
// the runner's judgement; a definition without a checker does not compile.
import { broadcastWorkload } from "./broadcast/index.js";
import { gCounterWorkload, pnCounterWorkload } from "./counter/index.js";
import { echoWorkload } from "./echo/index.js";
import { gSetWorkload } from "./g-set/index.js";
import { kafkaWorkload } from "./kafka/index.js";
import { linKvWorkload } from "./lin-kv/index.js";
import type { Workload } from "./types.js";
import { uniqueIdsWorkload } from "./unique-ids/index.js";

const DEFINITIONS = {
  echo: echoWorkload,
  "lin-kv": linKvWorkload,
  "unique-ids": uniqueIdsWorkload,
  broadcast: broadcastWorkload,
  "g-set": gSetWorkload,
  "g-counter": gCounterWorkload,
  "pn-counter": pnCounterWorkload,
  kafka: kafkaWorkload,
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each definition keeps its own options type
} satisfies Record<string, Workload<any>>;

export type WorkloadName = keyof typeof DEFINITIONS;

/** Every workload by name, seen through the common interface. */
export const WORKLOADS: Readonly<Record<WorkloadName, Workload>> = DEFINITIONS as Record<WorkloadName, Workload>;

export const WORKLOAD_NAMES = Object.keys(DEFINITIONS) as [WorkloadName, ...WorkloadName[]];

/** The workload of that name, or undefined (a name from outside: a stored history, the command line). */
export function workloadNamed(name: string): Workload | undefined {
  return Object.hasOwn(WORKLOADS, name) ? WORKLOADS[name as WorkloadName] : undefined;
}

/** Whether the workload ends with final operations (finalOps or a finalClient): Maelstrom waits its recovery before them. */
export function hasFinalPhase(name: WorkloadName): boolean {
  const workload = WORKLOADS[name];
  return workload.finalOps !== undefined || workload.finalClient !== undefined;
}
