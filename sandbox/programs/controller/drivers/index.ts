// What drives a test's client side, by the spec's `driver`: today the
// workload driver (workload.ts: Maelstrom-style clients against a workload's
// generator). A driver gets the nodes' client links and the record, and
// returns how many operations it ran; the controller (controller.ts) owns the
// connections, the header, the agents' counters and the end of the record.
// Beside it the raft driver (raft.ts: our distributed tester for MIT 6.5840's
// Raft), which makes its own connections to the peers' control ports, so it
// gets no links.
import type { NodeLink } from "../links.js";
import type { RecordFile } from "../record.js";
import type { ControllerSpec } from "../spec.js";
import { raftDriver } from "./raft.js";
import { workloadDriver } from "./workload.js";

export interface DriverContext {
  spec: ControllerSpec;
  links: NodeLink[];
  record: RecordFile;
  /** When the controller began connecting to the nodes (the ready line reports the wait). */
  readyStart: number;
}

export type Driver = (ctx: DriverContext) => Promise<{ operations: number; elapsedMs: number }>;

export const DRIVERS = { workload: workloadDriver, raft: raftDriver } as const satisfies Record<string, Driver>;
