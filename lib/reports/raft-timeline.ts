// What a Raft run's report draws (app/.../raft-sections.tsx), from the tester's
// evidence (lib/checkers/evidence.ts RaftEvidence): one lane per peer with its
// terms and roles over time, the faults the test ordered as bands on the lanes
// they struck (a disconnect, a crash or a pause on its peer's lane, until the
// connect, the restart or the resume; a cut link on both its ends' lanes until
// it is joined; an unreliable or reordering network across every lane), and
// who led in each term (two leaders in one term are named). Times are ms
// since the test began, on the tester's clock.
import type { RaftEvidence, RaftPeerSpan } from "../checkers/evidence.js";

export interface RaftFaultBand {
  kind: "disconnected" | "linkCut" | "crashed" | "paused" | "unreliable" | "longReordering";
  /** The peer it struck; absent for the whole network. */
  peer?: string;
  fromMs: number;
  toMs: number;
  detail: string;
}

export interface RaftLane {
  peer: string;
  spans: RaftPeerSpan[];
}

export interface RaftTerm {
  term: number;
  /** Every peer that led in it, in the order they began to; more than one is the bug the course's checkOneLeader catches. */
  leaders: Array<{ peer: string; fromMs: number; toMs: number }>;
}

const byPeer = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/** One lane per peer (n0, n1, …), its spans in time order. */
export function raftLanes(evidence: Pick<RaftEvidence, "timeline" | "applies">): RaftLane[] {
  const peers = new Set([...evidence.timeline.map((s) => s.peer), ...evidence.applies.map((a) => a.peer)]);
  return [...peers].sort(byPeer).map((peer) => ({ peer, spans: evidence.timeline.filter((s) => s.peer === peer).sort((a, b) => a.fromMs - b.fromMs) }));
}

const OPENS: Record<string, { band: RaftFaultBand["kind"]; closedBy: string; perPeer: boolean }> = {
  disconnect: { band: "disconnected", closedBy: "connect", perPeer: true },
  crash: { band: "crashed", closedBy: "restart", perPeer: true },
  pause: { band: "paused", closedBy: "resume", perPeer: true },
  unreliable: { band: "unreliable", closedBy: "reliable", perPeer: false },
  longReordering: { band: "longReordering", closedBy: "noLongReordering", perPeer: false },
};

/** The faults the test ordered, paired with what undid them; those still in force end with the test. Faults the runner could not carry out draw nothing. */
export function raftFaultBands(evidence: Pick<RaftEvidence, "faults" | "elapsedMs">): RaftFaultBand[] {
  const bands: RaftFaultBand[] = [];
  const open = new Map<string, RaftFaultBand>();
  const ordered = evidence.faults.filter((f) => f.ok).sort((a, b) => (a.doneMs ?? a.askedMs) - (b.doneMs ?? b.askedMs));
  for (const fault of ordered) {
    const at = fault.doneMs ?? fault.askedMs;
    if ((fault.kind === "cutLink" || fault.kind === "joinLink") && fault.node && fault.peer) {
      // A band on each end's lane, keyed by the link.
      const link = [fault.node, fault.peer].sort(byPeer).join("|");
      for (const peer of [fault.node, fault.peer]) {
        const key = `linkCut:${link}:${peer}`;
        const band = open.get(key);
        if (fault.kind === "cutLink" && !band) open.set(key, { kind: "linkCut", peer, fromMs: at, toMs: at, detail: fault.detail });
        if (fault.kind === "joinLink" && band) {
          band.toMs = Math.max(band.fromMs, at);
          bands.push(band);
          open.delete(key);
        }
      }
      continue;
    }
    const opens = OPENS[fault.kind];
    if (opens) {
      const key = `${opens.band}:${opens.perPeer ? (fault.node ?? "") : ""}`;
      if (!open.has(key)) open.set(key, { kind: opens.band, ...(opens.perPeer && fault.node ? { peer: fault.node } : {}), fromMs: at, toMs: at, detail: fault.detail });
      continue;
    }
    const closes = Object.values(OPENS).find((o) => o.closedBy === fault.kind);
    if (!closes) continue;
    const key = `${closes.band}:${closes.perPeer ? (fault.node ?? "") : ""}`;
    const band = open.get(key);
    if (!band) continue;
    band.toMs = Math.max(band.fromMs, at);
    bands.push(band);
    open.delete(key);
  }
  for (const band of open.values()) bands.push({ ...band, toMs: Math.max(band.fromMs, evidence.elapsedMs) });
  return bands.sort((a, b) => a.fromMs - b.fromMs);
}

/** Who led in each term the tester saw a leader in, in term order. */
export function raftTerms(evidence: Pick<RaftEvidence, "timeline">): RaftTerm[] {
  const terms = new Map<number, RaftTerm>();
  for (const span of [...evidence.timeline].sort((a, b) => a.fromMs - b.fromMs)) {
    if (!span.leader || span.term === null) continue;
    const term = terms.get(span.term) ?? { term: span.term, leaders: [] };
    terms.set(span.term, term);
    const same = term.leaders.find((l) => l.peer === span.peer);
    if (same) same.toMs = Math.max(same.toMs, span.toMs);
    else term.leaders.push({ peer: span.peer, fromMs: span.fromMs, toMs: span.toMs });
  }
  return [...terms.values()].sort((a, b) => a.term - b.term);
}
