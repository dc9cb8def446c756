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
//   cutLink / joinLink            a firewall cut between two nodes only, both ways (beyond the course:
//                                 our scenario tests cut one link, which labrpc cannot)
//   crash / restart               SIGKILL of the node's container / a start from its /data volume
//   pause / resume                the node's cgroup frozen / thawed (beyond the course: a scenario
//                                 test holds peers still while another restarts)
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

export const ORDERED_FAULT_KINDS = ["disconnect", "connect", "cutLink", "joinLink", "crash", "restart", "pause", "resume", "unreliable", "reliable", "longReordering", "noLongReordering"] as const;
export type OrderedFaultKind = (typeof ORDERED_FAULT_KINDS)[number];
/** Kinds that name a node. */
const NODE_KINDS: ReadonlySet<OrderedFaultKind> = new Set(["disconnect", "connect", "cutLink", "joinLink", "crash", "restart", "pause", "resume"]);
/** Kinds that also name the node at the link's other end. */
const LINK_KINDS: ReadonlySet<OrderedFaultKind> = new Set(["cutLink", "joinLink"]);

/** Most fault requests one test may make (the tester's longest test orders a few hundred). */
export const MAX_FAULT_REQUESTS = 5000;

/** One request, as the controller prints it: `{"fault":{"id":12,"kind":"disconnect","node":"n2"}}`. */
export const faultRequestSchema = z
  .strictObject({
    /** The driver's number for it; the answer carries it back. */
    id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    kind: z.enum(ORDERED_FAULT_KINDS),
    /** The node, for disconnect, connect, cutLink, joinLink, crash, restart, pause and resume. */
    node: z.string().regex(/^n\d+$/).optional(),
    /** The link's other end, for cutLink and joinLink. */
    peer: z.string().regex(/^n\d+$/).optional(),
  })
  .refine((r) => NODE_KINDS.has(r.kind) === (r.node !== undefined), { message: "disconnect, connect, cutLink, joinLink, crash, restart, pause and resume name a node; the other kinds do not" })
  .refine((r) => LINK_KINDS.has(r.kind) === (r.peer !== undefined), { message: "cutLink and joinLink name the link's other end (peer); the other kinds do not" })
  .refine((r) => r.peer === undefined || r.peer !== r.node, { message: "a link joins two different nodes: node and peer are the same" });
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

/** The timeline's kind for a request: cuts are partitions, a crash is a kill. */
function eventKind(kind: OrderedFaultKind): FaultEvent["kind"] {
  switch (kind) {
    case "disconnect":
    case "cutLink":
      return "partition";
    case "joinLink":
      return "connect";
    case "crash":
      return "kill";
    default:
      return kind;
  }
}

export class OrderedFaults {
  private readonly cut = new Set<string>();
  /** Links cut between two nodes, as "n1|n2" (the lower name first). */
  private readonly links = new Set<string>();
  private readonly down = new Set<string>();
  private readonly paused = new Set<string>();
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
    let kind = eventKind(request.kind);
    let nodes: string[] = request.node ? [request.node] : [...this.nodeIds];
    let detail: string;
    let wallMs: number | null = null;
    let cuts: Record<string, string[]> | undefined;
    try {
      const node = request.node;
      for (const n of [node, request.peer]) {
        if (n !== undefined && !this.nodeIds.includes(n)) throw new InfraError("faults.unknown_node", `${n} is not one of this test's nodes (${this.nodeIds.join(", ")})`);
      }
      switch (request.kind) {
        case "disconnect":
        case "connect":
        case "cutLink":
        case "joinLink": {
          const link = request.peer === undefined ? "" : [node!, request.peer].sort().join("|");
          if (request.kind === "disconnect") this.cut.add(node!);
          else if (request.kind === "connect") this.cut.delete(node!);
          else if (request.kind === "cutLink") this.links.add(link);
          else this.links.delete(link);
          const grudge = this.grudge();
          await this.applyNetwork();
          // One band per state of the cuts: a new partition replaces the last one, the last connect ends it.
          kind = grudge.size > 0 ? "partition" : "connect";
          // The band names the nodes cut off: from every other node, or at a cut link's ends.
          const cutOff = new Set([...this.cut, ...[...this.links].flatMap((l) => l.split("|"))]);
          nodes = grudge.size > 0 ? [...cutOff].sort() : [node!, ...(request.peer ? [request.peer] : [])];
          if (grudge.size > 0) cuts = Object.fromEntries([...grudge].map(([n, from]) => [n, [...from].sort()]));
          const what = { disconnect: `${node} disconnected`, connect: `${node} connected`, cutLink: `link ${node}–${request.peer} cut`, joinLink: `link ${node}–${request.peer} joined` }[request.kind];
          detail = `${what}; ${this.describeCuts()}`;
          break;
        }
        case "crash":
          // The tester thaws a node before it crashes it; a crash of a paused node is a driver's mistake.
          if (this.paused.has(node!)) throw new InfraError("faults.paused", `${node} is paused: resume it before crashing it`);
          if (this.down.has(node!)) throw new InfraError("faults.already_down", `${node} is already down`);
          await this.faults.kill(node!);
          this.down.add(node!);
          kind = "kill";
          detail = `${node} crashed (SIGKILL; its /data stays)`;
          break;
        case "restart": {
          if (this.paused.has(node!)) throw new InfraError("faults.paused", `${node} is paused: resume it before restarting it`);
          // The course's start1 on a live server first crashes it: the same here.
          const wasUp = !this.down.has(node!);
          if (wasUp) await this.faults.kill(node!);
          wallMs = Date.now();
          await this.faults.restart(node!);
          this.down.delete(node!);
          detail = `${node} ${wasUp ? "killed and " : ""}restarted from its /data`;
          break;
        }
        case "pause":
          if (this.down.has(node!)) throw new InfraError("faults.down", `${node} is down: it cannot be paused`);
          if (this.paused.has(node!)) throw new InfraError("faults.already_paused", `${node} is already paused`);
          await this.faults.pause(node!);
          this.paused.add(node!);
          detail = `${node} paused (cgroup frozen)`;
          break;
        case "resume":
          if (!this.paused.has(node!)) throw new InfraError("faults.not_paused", `${node} is not paused`);
          await this.faults.resume(node!);
          this.paused.delete(node!);
          detail = `${node} resumed`;
          break;
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
      const failed = { atMs: began - this.startWallMs(), wallMs: began, kind, nodes: request.node ? [request.node] : [], detail: `could not ${request.kind}${request.node ? ` ${request.node}` : ""}${request.peer ? `–${request.peer}` : ""}: ${errorMessage(err)}`, ok: false };
      this.timeline.push(failed);
      return { ok: false, atMs: failed.atMs, detail: failed.detail };
    }
    // Stamped when it surely took effect (a restart: when it began, for the node may run from then).
    const at = wallMs ?? Date.now();
    const event: FaultEvent = { atMs: at - this.startWallMs(), wallMs: at, kind, nodes, detail, ok: true, ...(cuts ? { cuts } : {}) };
    this.timeline.push(event);
    return { ok: true, atMs: event.atMs, detail };
  }

  /** At the end of the test: thaws every node the driver left paused, so nothing of the test stays frozen while its records are read and it is removed. Never throws. */
  async resumeAll(): Promise<void> {
    for (const node of [...this.paused].sort()) {
      const wallMs = Date.now();
      let ok = true;
      let detail = `${node} resumed at the end of the test`;
      try {
        await this.faults.resume(node);
        this.paused.delete(node);
      } catch (err) {
        ok = false;
        detail = `could not resume ${node} at the end of the test: ${errorMessage(err)}`;
      }
      this.timeline.push({ atMs: wallMs - this.startWallMs(), wallMs, kind: "resume", nodes: [node], detail, ok });
    }
  }

  /** Every cut node drops what every other node sends it, and the others drop what it sends; the two ends of a cut link drop each other's. */
  private grudge(): Grudge {
    const grudge: Grudge = new Map();
    const drop = (node: string, from: string) => {
      const set = grudge.get(node) ?? new Set<string>();
      set.add(from);
      grudge.set(node, set);
    };
    for (const node of this.nodeIds) {
      for (const other of this.nodeIds) if (other !== node && (this.cut.has(node) || this.cut.has(other))) drop(node, other);
    }
    for (const link of this.links) {
      const [a, b] = link.split("|") as [string, string];
      drop(a, b);
      drop(b, a);
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
    const links = [...this.links].sort().map((l) => l.replace("|", "–"));
    const linksCut = links.length > 0 ? `links cut: ${links.join(", ")}` : "";
    if (this.cut.size === 0) return linksCut || "no node is cut off";
    const connected = this.nodeIds.filter((n) => !this.cut.has(n));
    return `cut off from every other node: ${[...this.cut].sort().join(", ")}${connected.length > 0 ? ` (connected: ${connected.join(", ")})` : ""}${linksCut ? `; ${linksCut}` : ""}`;
  }
}
