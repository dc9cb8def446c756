// What drives a test's client side, by the spec's `driver`: today the
// workload driver (workload.ts: Maelstrom-style clients against a workload's
// generator). A driver gets the nodes' client links and the record, and
// returns how many operations it ran; the controller (controller.ts) owns the
// connections, the header, the agents' counters and the end of the record.
// Room for a second one beside it, e.g. a distributed tester that drives a
// lab's own test program.
import type { NodeLink } from "../links.js";
import type { RecordFile } from "../record.js";
import type { ControllerSpec } from "../spec.js";
import { workloadDriver } from "./workload.js";

export interface DriverContext {
  spec: ControllerSpec;
  links: NodeLink[];
  record: RecordFile;
  /** When the controller began connecting to the nodes (the ready line reports the wait). */
  readyStart: number;
}

export type Driver = (ctx: DriverContext) => Promise<{ operations: number; elapsedMs: number }>;

export const DRIVERS = { workload: workloadDriver } as const satisfies Record<string, Driver>;
