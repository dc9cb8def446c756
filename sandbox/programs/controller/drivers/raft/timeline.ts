// Each peer's term and role over time, from the tester's samples (every
// 100 ms): consecutive samples that agree become one stretch, so the report
// can draw who led when over the fault bands. Bounded per peer (the latest
// stretches are kept: a failure is usually near the end).
import type { RaftPeerSpan } from "../../../../../lib/checkers/evidence.js";
import type { RaftPeerSample } from "../../spec.js";
import { nodeName } from "./checks.js";

/** Most stretches kept per peer. */
export const MAX_SPANS_PER_PEER = 400;

export class Timeline {
  private readonly open: Array<RaftPeerSpan | null>;
  private readonly closed: RaftPeerSpan[][];
  private readonly dropped: number[];

  constructor(readonly n: number) {
    this.open = new Array<RaftPeerSpan | null>(n).fill(null);
    this.closed = Array.from({ length: n }, () => []);
    this.dropped = new Array<number>(n).fill(0);
  }

  /** One sample of every peer (null: down or no answer) at tMs. */
  add(tMs: number, samples: ReadonlyArray<RaftPeerSample | null>): void {
    for (let peer = 0; peer < this.n; peer++) {
      const s = samples[peer] ?? null;
      const term = s ? s.term : null;
      const leader = s ? s.leader : false;
      const cur = this.open[peer];
      if (cur && cur.term === term && cur.leader === leader) {
        cur.toMs = tMs;
        continue;
      }
      if (cur) {
        cur.toMs = tMs;
        this.close(peer, cur);
      }
      this.open[peer] = { peer: nodeName(peer), fromMs: tMs, toMs: tMs, term, leader };
    }
  }

  private close(peer: number, span: RaftPeerSpan): void {
    const list = this.closed[peer]!;
    list.push(span);
    if (list.length > MAX_SPANS_PER_PEER) {
      list.shift();
      this.dropped[peer]!++;
    }
  }

  /** Every stretch so far, by peer then time. */
  spans(): RaftPeerSpan[] {
    return this.closed.flatMap((list, peer) => {
      const cur = this.open[peer];
      return cur ? [...list, { ...cur }] : [...list];
    });
  }
}
