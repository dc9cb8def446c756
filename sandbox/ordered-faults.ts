// Faults a driver orders while its test runs, rather than at times a suite
// fixed: the Raft tester decides whom to cut off by who leads. The controller
// asks on its stdout and is answered on its stdin (cluster/controller.ts);
// this file says what may be asked and carries it out on the cluster
// (faults.ts), keeping the network's whole state (who is cut off, whether the
// network is unreliable or reorders for long) so each request changes one
// part of it and leaves the rest in force, and records every fault in the
// run's timeline like a scheduled one. The course's simulated faults become
// real ones:
//   disconnect / connect          a firewall cut between the node and every other node, both ways
//   crash / restart               SIGKILL of the node's container / a start from its /data volume
//   unreliable / reliable         10% of packets between nodes lost, each delayed 0–27 ms (labrpc's
//                                 unreliable mode, on the wire: TCP resends what was lost)
//   longReordering / noLong…      2/3 of the replies between nodes held 200 ms to 2.2 s (labrpc's long
//                                 reordering: replies, not requests), the rest sent at once
import { z } from "zod";
import { errorMessage, InfraError } from "../lib/errors.js";
import type { FaultEvent } from "./fault-schedule.js";
import type { ClusterFaults } from "./faults.js";
import type { Grudge } from "./partitions.js";
import { PEER_PORT } from "./programs/agent/wire.js";
import { NO_SHAPE, type ShapingFault } from "./shaping.js";

export const ORDERED_FAULT_KINDS = ["disconnect", "connect", "crash", "restart", "unreliable", "reliable", "longReordering", "noLongReordering"] as const;
export type OrderedFaultKind = (typeof ORDERED_FAULT_KINDS)[number];
/** Kinds that name a node. */
const NODE_KINDS: ReadonlySet<OrderedFaultKind> = new Set(["disconnect", "connect", "crash", "restart"]);

/** Most fault requests one test may make (the tester's longest test orders a few hundred). */
export const MAX_FAULT_REQUESTS = 5000;

/** One request, as the controller prints it: `{"fault":{"id":12,"kind":"disconnect","node":"n2"}}`. */
export const faultRequestSchema = z
  .strictObject({
    /** The driver's number for it; the answer carries it back. */
    id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    kind: z.enum(ORDERED_FAULT_KINDS),
    /** The node, for disconnect, connect, crash and restart. */
    node: z.string().regex(/^n\d+$/).optional(),
  })
  .refine((r) => NODE_KINDS.has(r.kind) === (r.node !== undefined), { message: "disconnect, connect, crash and restart name a node; the other kinds do not" });
export type FaultRequest = z.infer<typeof faultRequestSchema>;

/** The runner's answer, on the controller's stdin: `{"faultDone":{…}}`. */
export interface FaultDone {
  id: number;
  /** False when the fault could not be carried out (detail says why): the test fails as ours. */
  ok: boolean;
  /** When it took effect, ms after the main phase began. */
  atMs: number;
  detail: string;
}

/** labrpc's unreliable mode on the wire: a uniform 0–27 ms delay on every packet, with loss beside it. */
const UNRELIABLE_SHAPING: ShapingFault[] = [
  { kind: "delay", at: 0, ms: 13.5 },
  { kind: "jitter", at: 0, ms: 13.5 },
];
const UNRELIABLE_LOSS = 0.1;
/**
 * Long reordering, as labrpc's: replies (the data a peer sends from its RPC
 * port), a third at once and the rest held 200 ms to 2.2 s; requests, and
 * so heartbeats, are not held (holding them too livelocks elections).
 */
const LONG_REORDERING_REPLIES = {
  // Peers serve each other's RPCs on the agent's LABGRADE_PORT: replies come from it.
  sourcePort: PEER_PORT,
  shape: { ...NO_SHAPE, delayMs: 1200, jitterMs: 1000, reorderPercent: 33 },
};

export class OrderedFaults {
  private readonly cut = new Set<string>();
  private readonly down = new Set<string>();
  private unreliable = false;
  private longReordering = false;
  /** What was done, when: merged into the run's fault timeline. */
  readonly timeline: FaultEvent[] = [];

  /** `startWallMs` says when the main phase began (the controller's ready line), as far as known. */
  constructor(
    private readonly faults: ClusterFaults,
    private readonly nodeIds: readonly string[],
    private readonly startWallMs: () => number,
  ) {}

  /** Carries out one request; never throws (a fault that failed is answered and recorded as such). */
  async apply(request: FaultRequest): Promise<Omit<FaultDone, "id">> {
    const began = Date.now();
    let kind: FaultEvent["kind"] = request.kind === "disconnect" ? "partition" : request.kind === "crash" ? "kill" : request.kind;
    let nodes: string[] = request.node ? [request.node] : [...this.nodeIds];
    let detail: string;
    let wallMs: number | null = null;
    try {
      const node = request.node;
      if (node !== undefined && !this.nodeIds.includes(node)) throw new InfraError("faults.unknown_node", `${node} is not one of this test's nodes (${this.nodeIds.join(", ")})`);
      switch (request.kind) {
        case "disconnect":
        case "connect": {
          if (request.kind === "disconnect") this.cut.add(node!);
          else this.cut.delete(node!);
          await this.applyNetwork();
          // One band per state of the cuts: a new partition replaces the last one, the last connect ends it.
          kind = this.cut.size > 0 ? "partition" : "connect";
          nodes = this.cut.size > 0 ? [...this.cut].sort() : [node!];
          detail = `${request.kind === "disconnect" ? `${node} disconnected` : `${node} connected`}; ${this.describeCuts()}`;
          break;
        }
        case "crash":
          if (this.down.has(node!)) throw new InfraError("faults.already_down", `${node} is already down`);
          await this.faults.kill(node!);
          this.down.add(node!);
          kind = "kill";
          detail = `${node} crashed (SIGKILL; its /data stays)`;
          break;
        case "restart": {
          // The course's start1 on a live server first crashes it: the same here.
          const wasUp = !this.down.has(node!);
          if (wasUp) await this.faults.kill(node!);
          wallMs = Date.now();
          await this.faults.restart(node!);
          this.down.delete(node!);
          detail = `${node} ${wasUp ? "killed and " : ""}restarted from its /data`;
          break;
        }
        case "unreliable":
        case "reliable":
          this.unreliable = request.kind === "unreliable";
          await this.applyNetwork();
          detail = this.unreliable ? `unreliable network: ${UNRELIABLE_LOSS * 100}% of packets between nodes lost, each delayed 0–27 ms` : "reliable network";
          break;
        case "longReordering":
        case "noLongReordering":
          this.longReordering = request.kind === "longReordering";
          await this.applyNetwork();
          detail = this.longReordering ? "long reordering: 2/3 of the replies between nodes held 200 ms to 2.2 s" : "long reordering off";
          break;
      }
    } catch (err) {
      const failed = { atMs: began - this.startWallMs(), wallMs: began, kind, nodes: request.node ? [request.node] : [], detail: `could not ${request.kind}${request.node ? ` ${request.node}` : ""}: ${errorMessage(err)}`, ok: false };
      this.timeline.push(failed);
      return { ok: false, atMs: failed.atMs, detail: failed.detail };
    }
    // Stamped when it surely took effect (a restart: when it began, for the node may run from then).
    const at = wallMs ?? Date.now();
    const event: FaultEvent = { atMs: at - this.startWallMs(), wallMs: at, kind, nodes, detail, ok: true };
    this.timeline.push(event);
    return { ok: true, atMs: event.atMs, detail };
  }

  /** Every cut node drops what every other node sends it, and the others drop what it sends. */
  private grudge(): Grudge {
    const grudge: Grudge = new Map();
    for (const node of this.nodeIds) {
      const drops = this.cut.has(node) ? this.nodeIds.filter((n) => n !== node) : [...this.cut];
      if (drops.length > 0) grudge.set(node, new Set(drops));
    }
    return grudge;
  }

  private async applyNetwork(): Promise<void> {
    await this.faults.setNetwork({
      grudge: this.grudge(),
      lossProbability: this.unreliable ? UNRELIABLE_LOSS : 0,
      shaping: this.unreliable ? UNRELIABLE_SHAPING : [],
      ...(this.longReordering ? { replies: LONG_REORDERING_REPLIES } : {}),
    });
  }

  private describeCuts(): string {
    if (this.cut.size === 0) return "no node is cut off";
    const connected = this.nodeIds.filter((n) => !this.cut.has(n));
    return `cut off from every other node: ${[...this.cut].sort().join(", ")}${connected.length > 0 ? ` (connected: ${connected.join(", ")})` : ""}`;
  }
}
