// A Raft run's report sections (MIT 6.5840, our distributed tester): every
// peer's term and role over time, drawn over the faults the test ordered (who
// led when, who was cut off or down, when the network was unreliable), who led
// in each term, the applies that disagree, applies and RPCs per peer, and the
// faults as the runner carried them out. Drawn on the server as SVG: no
// script, readable without one.
import type { RaftEvidence } from "@/lib/checkers/evidence";
import { raftTestNamed } from "@/lib/labs/mit-6.5840/raft-tests";
import { raftFaultBands, raftLanes, raftTerms, type RaftFaultBand } from "@/lib/reports/raft-timeline";
import { formatBytes } from "../../../../format";
import { TableScroll } from "../../../../table-scroll";

const WIDTH = 1000;
const LABEL = 44;
const LANE = 26;
const AXIS = 22;
const NETWORK_ROW = 14;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const shown = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : String(JSON.stringify(value) ?? value));

const BAND_WORDS: Record<RaftFaultBand["kind"], string> = {
  disconnected: "cut off",
  linkCut: "one link cut",
  crashed: "down (crashed)",
  paused: "paused",
  unreliable: "unreliable network",
  longReordering: "long reordering",
};

export function RaftSections({ evidence }: { evidence: RaftEvidence }) {
  const ours = raftTestNamed(evidence.test)?.ours;
  return (
    <>
      {ours && (
        <p className="card" data-testid="raft-test-ours">
          <strong>{evidence.test} is a test of ours, not the course&apos;s.</strong> {ours}
        </p>
      )}
      <TermsTimeline evidence={evidence} />
      {evidence.disagreements.length > 0 && <Disagreements evidence={evidence} />}
      <PeerFigures evidence={evidence} />
      <OrderedFaults evidence={evidence} />
    </>
  );
}

function TermsTimeline({ evidence }: { evidence: RaftEvidence }) {
  const lanes = raftLanes(evidence);
  const bands = raftFaultBands(evidence);
  const terms = raftTerms(evidence);
  const endMs = Math.max(evidence.elapsedMs, ...evidence.timeline.map((s) => s.toMs), 1);
  const x = (ms: number) => LABEL + ((WIDTH - LABEL - 8) * Math.max(0, Math.min(ms, endMs))) / endMs;
  const laneY = (i: number) => NETWORK_ROW + 4 + i * LANE;
  const height = laneY(lanes.length) + AXIS;
  const step = [1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000].find((s) => endMs / s <= 12) ?? 120_000;
  const ticks = Array.from({ length: Math.floor(endMs / step) + 1 }, (_, i) => i * step);
  const twoLeaders = terms.filter((t) => t.leaders.length > 1);
  const leaderSpans = evidence.timeline.filter((s) => s.leader).length;
  return (
    <section className="card" data-testid="raft-timeline">
      <h2>Terms and leaders</h2>
      <p>
        Each peer&apos;s term and role as the tester saw them every 100 ms: <span className="raft-key raft-key-leader">leader</span>{" "}
        <span className="raft-key raft-key-follower">follower or candidate</span> <span className="raft-key raft-key-down">down or not answering</span>, under the faults the test
        ordered (<span className="raft-key raft-key-cut">cut off</span> <span className="raft-key raft-key-crashed">crashed</span> on a peer&apos;s lane
        {bands.some((b) => b.kind === "linkCut") && (
          <>
            {" "}
            <span className="raft-key raft-key-linkCut">one link cut</span> on both its ends&apos; lanes
          </>
        )}
        {bands.some((b) => b.kind === "paused") && (
          <>
            {" "}
            <span className="raft-key raft-key-paused">paused</span>
          </>
        )}
        ;{" "}
        <span className="raft-key raft-key-network">unreliable or reordering</span> across the top).
        {evidence.timeline.length === 0 && " The tester recorded no samples."}
      </p>
      <TableScroll label="Raft timeline">
        <svg
          className="raft-timeline"
          viewBox={`0 0 ${WIDTH} ${height}`}
          role="img"
          aria-label={`Terms and roles of ${lanes.length} peers over ${seconds(endMs)}, with ${bands.length} fault bands`}
          data-peers={lanes.length}
          data-spans={evidence.timeline.length}
          data-leader-spans={leaderSpans}
          data-fault-bands={bands.length}
        >
          {bands
            .filter((b) => b.peer === undefined)
            .map((b, i) => (
              <rect key={`net-${i}`} className={`raft-band raft-band-${b.kind}`} x={x(b.fromMs)} y={2} width={Math.max(1, x(b.toMs) - x(b.fromMs))} height={NETWORK_ROW} data-band={b.kind}>
                <title>{`${BAND_WORDS[b.kind]} ${seconds(b.fromMs)}–${seconds(b.toMs)}: ${b.detail}`}</title>
              </rect>
            ))}
          {lanes.map((lane, i) => (
            <g key={lane.peer} data-peer={lane.peer}>
              <text className="raft-lane-label" x={4} y={laneY(i) + LANE / 2 + 4}>
                {lane.peer}
              </text>
              {lane.spans.map((span, j) => {
                const width = Math.max(1, x(span.toMs) - x(span.fromMs));
                const role = span.term === null ? "down" : span.leader ? "leader" : "follower";
                return (
                  <g key={j}>
                    <rect className={`raft-span raft-span-${role}`} x={x(span.fromMs)} y={laneY(i) + 3} width={width} height={LANE - 8} data-role={role} data-term={span.term ?? ""}>
                      <title>{`${lane.peer} ${span.term === null ? "down or not answering" : `term ${span.term}, ${span.leader ? "leader" : "not leader"}`} ${seconds(span.fromMs)}–${seconds(span.toMs)}`}</title>
                    </rect>
                    {span.term !== null && width > 26 && (
                      <text className={`raft-term raft-term-${role}`} x={x(span.fromMs) + 3} y={laneY(i) + LANE / 2 + 3}>
                        T{span.term}
                      </text>
                    )}
                  </g>
                );
              })}
              {bands
                .filter((b) => b.peer === lane.peer)
                .map((b, k) => (
                  <rect key={`band-${k}`} className={`raft-band raft-band-${b.kind}`} x={x(b.fromMs)} y={laneY(i)} width={Math.max(1, x(b.toMs) - x(b.fromMs))} height={LANE - 2} data-band={b.kind}>
                    <title>{`${lane.peer} ${BAND_WORDS[b.kind]} ${seconds(b.fromMs)}–${seconds(b.toMs)}: ${b.detail}`}</title>
                  </rect>
                ))}
            </g>
          ))}
          {ticks.map((t) => (
            <g key={t}>
              <line className="raft-tick" x1={x(t)} x2={x(t)} y1={laneY(lanes.length)} y2={laneY(lanes.length) + 4} />
              <text className="raft-tick-label" x={x(t)} y={laneY(lanes.length) + 16} textAnchor="middle">
                {t / 1000} s
              </text>
            </g>
          ))}
        </svg>
      </TableScroll>
      {/* The drawing's data for whoever cannot see it: the same spans, a row each. */}
      <details data-testid="raft-timeline-table">
        <summary>Each peer&apos;s terms and roles as a table ({evidence.timeline.length} spans)</summary>
        <TableScroll label="Terms and roles of each peer">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Peer</th>
                <th scope="col" className="numeric">
                  From
                </th>
                <th scope="col" className="numeric">
                  To
                </th>
                <th scope="col">Role</th>
                <th scope="col" className="numeric">
                  Term
                </th>
              </tr>
            </thead>
            <tbody>
              {lanes.flatMap((lane) =>
                lane.spans.map((span, j) => (
                  <tr key={`${lane.peer}/${j}`}>
                    <td>{lane.peer}</td>
                    <td className="numeric">{seconds(span.fromMs)}</td>
                    <td className="numeric">{seconds(span.toMs)}</td>
                    <td>{span.term === null ? "down or not answering" : span.leader ? "leader" : "follower or candidate"}</td>
                    <td className="numeric">{span.term ?? "—"}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </TableScroll>
      </details>
      {twoLeaders.length > 0 && (
        <p className="reason" data-testid="raft-two-leaders">
          {twoLeaders.map((t) => `Two leaders in term ${t.term}: ${t.leaders.map((l) => `${l.peer} from ${seconds(l.fromMs)}`).join(" and ")}.`).join(" ")}
        </p>
      )}
      <details>
        <summary>Who led in each term ({terms.length})</summary>
        <TableScroll label="Who led in each term">
          <table className="table" data-testid="raft-terms">
            <thead>
              <tr>
                <th scope="col" className="numeric">
                  Term
                </th>
                <th scope="col">Leader</th>
                <th scope="col" className="numeric">
                  From
                </th>
                <th scope="col" className="numeric">
                  To
                </th>
              </tr>
            </thead>
            <tbody>
              {terms.flatMap((t) =>
                t.leaders.map((l) => (
                  <tr key={`${t.term}/${l.peer}`} className={t.leaders.length > 1 ? "impossible" : undefined}>
                    <td className="numeric">{t.term}</td>
                    <td>{l.peer}</td>
                    <td className="numeric">{seconds(l.fromMs)}</td>
                    <td className="numeric">{seconds(l.toMs)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </section>
  );
}

function Disagreements({ evidence }: { evidence: RaftEvidence }) {
  return (
    <section className="card" data-testid="raft-disagreements">
      <h2>Applies that disagree</h2>
      <p>Two peers applied different commands at the same index: a committed entry was overwritten (the course&apos;s &ldquo;committed values do not match&rdquo;).</p>
      <TableScroll label="Applies that disagree">
        <table className="table">
          <thead>
            <tr>
              <th scope="col" className="numeric">
                Index
              </th>
              <th scope="col">Peer</th>
              <th scope="col">Applied</th>
              <th scope="col">Other peer</th>
              <th scope="col">Applied</th>
            </tr>
          </thead>
          <tbody>
            {evidence.disagreements.map((d) => (
              <tr key={`${d.index}/${d.peer}/${d.otherPeer}`} className="impossible">
                <td className="numeric">{d.index}</td>
                <td>{d.peer}</td>
                <td>
                  <code>{shown(d.command)}</code>
                </td>
                <td>{d.otherPeer}</td>
                <td>
                  <code>{shown(d.otherCommand)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

function PeerFigures({ evidence }: { evidence: RaftEvidence }) {
  const peers = [...new Set([...evidence.applies.map((a) => a.peer), ...evidence.rpcs.map((r) => r.peer)])].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  if (peers.length === 0) return null;
  return (
    <section className="card" data-testid="raft-peers">
      <h2>Peers</h2>
      <TableScroll label="Peers">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Peer</th>
              <th scope="col" className="numeric">
                Commands applied
              </th>
              <th scope="col" className="numeric">
                Last index
              </th>
              <th scope="col" className="numeric">
                Snapshots
              </th>
              <th scope="col" className="numeric">
                RPCs sent
              </th>
              <th scope="col" className="numeric">
                Bytes sent
              </th>
              <th scope="col" className="numeric">
                Bytes received
              </th>
            </tr>
          </thead>
          <tbody>
            {peers.map((peer) => {
              const a = evidence.applies.find((x) => x.peer === peer);
              const r = evidence.rpcs.find((x) => x.peer === peer);
              const n = (v: number | null | undefined) => (v === null || v === undefined ? "—" : String(v));
              return (
                <tr key={peer}>
                  <td>{peer}</td>
                  <td className="numeric">{n(a?.applied)}</td>
                  <td className="numeric">{n(a?.lastIndex)}</td>
                  <td className="numeric">{n(a?.snapshots)}</td>
                  <td className="numeric">{n(r?.rpcs)}</td>
                  <td className="numeric">{r?.bytesSent == null ? "—" : formatBytes(r.bytesSent)}</td>
                  <td className="numeric">{r?.bytesReceived == null ? "—" : formatBytes(r.bytesReceived)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
      <p className="muted">RPCs and bytes as each peer host counted them at the end (— : the peer was down then).</p>
    </section>
  );
}

function OrderedFaults({ evidence }: { evidence: RaftEvidence }) {
  if (evidence.faults.length === 0) return null;
  return (
    <section className="card">
      <details>
        <summary>Faults the test ordered ({evidence.faults.length})</summary>
        <TableScroll label="Faults the test ordered">
          <table className="table" data-testid="raft-faults">
            <thead>
              <tr>
                <th scope="col" className="numeric">
                  Asked
                </th>
                <th scope="col" className="numeric">
                  Done
                </th>
                <th scope="col">Fault</th>
                <th scope="col">What happened</th>
              </tr>
            </thead>
            <tbody>
              {evidence.faults.map((f, i) => (
                <tr key={i} className={f.ok ? undefined : "impossible"}>
                  <td className="numeric">{seconds(f.askedMs)}</td>
                  <td className="numeric">{f.doneMs === null ? "not done" : seconds(f.doneMs)}</td>
                  <td>
                    <code>
                      {f.kind}
                      {f.node ? ` ${f.node}` : ""}
                    </code>
                  </td>
                  <td>{f.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </section>
  );
}
