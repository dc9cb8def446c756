// /submissions/[id]/results/[resultId]: one test run's full report: verdict
// and reason, seed and suite version; the latency of every operation over
// time with the faults under it and the throughput (RunCharts); for a
// linearizability failure the checker's counterexample as lanes; broadcast
// figures (lost, stale, stable latency); the test's availability and targets,
// each met or not with the run's figure (criteria-section.tsx); message statistics per node and per
// message type; for a Raft test (MIT 6.5840) each peer's terms and roles over
// the faults, who led when, disagreeing applies, applies and RPCs per peer
// (raft-sections.tsx); in Maelstrom mode the messages between nodes as a
// space-time diagram, lost ones tied to faults (message-diagram.tsx); the
// fault timeline; the tail of each node's log; downloads.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import type { Evidence, LinearizabilityEvidence, SetCompletenessEvidence } from "@/lib/checkers/evidence";
import { describeNetwork, getRunReportOrThrow, LOG_TAIL_BYTES, type RunReport } from "@/lib/reports/run-report";
import { formatBytes, formatDurationMs, formatScore } from "../../../../format";
import { orNotFound } from "../../../../or-not-found";
import { VerdictBadge } from "../../../../status-badge";
import { CriteriaSection } from "./criteria-section";
import { describeEvidenceOp, isEvidenceOp } from "./evidence-op";
import { getJournalViewOrThrow } from "@/lib/reports/journal-view";
import { MessageDiagram, type DiagramParams } from "./message-diagram";
import { RaftSections } from "./raft-sections";
import { CounterexampleLanes, RunCharts } from "./run-charts";
import { TableScroll } from "../../../../table-scroll";

const round = (n: number, digits = 2) => String(Math.round(n * 10 ** digits) / 10 ** digits);
const ms = (us: number) => `${round(us / 1000, 1)} ms`;

export default async function RunReportPage({ params, searchParams }: { params: Promise<{ id: string; resultId: string }>; searchParams: Promise<DiagramParams> }) {
  const { id, resultId } = await params;
  const actor = await requireActor(`/submissions/${id}/results/${resultId}`);
  const report = await orNotFound(getRunReportOrThrow(db(), actor, id, resultId));
  const { submission: s, result: r, metrics, evidence, artifacts } = report;
  const download = (artifactId: string) => `/api/submissions/${s.id}/artifacts/${artifactId}`;
  const plot = artifacts.find((a) => a.kind === "PLOT_DATA");
  const journalArtifact = artifacts.find((a) => a.kind === "MESSAGE_JOURNAL");
  const journal = journalArtifact ? await getJournalViewOrThrow(db(), actor, s.id, journalArtifact.id, metrics.faults ?? []) : null;
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href={`/courses/${s.course.slug}`}>{s.course.title}</Link> / <Link href={`/courses/${s.course.slug}/labs/${s.lab.slug}`}>{s.lab.title}</Link> /{" "}
        <Link href={`/submissions/${s.id}`}>Submission</Link>
      </nav>
      <h1 className="with-badge">
        <code>{r.testName}</code> run {r.repetition + 1} <VerdictBadge verdict={r.verdict} />
      </h1>

      <section className="card">
        <p className="reason" data-testid="reason">
          {r.reason}
        </p>
        <dl className="facts">
          <dt>Points</dt>
          <dd>{formatScore(r.points, r.maxPoints)}</dd>
          <dt>Seed</dt>
          <dd>
            <code className="seed">{r.seed}</code> <span className="muted">(the same seed replays the same operations and faults)</span>
          </dd>
          <dt>Test suite</dt>
          <dd>version {s.suiteVersion.version}</dd>
          <dt>Duration</dt>
          <dd>
            {formatDurationMs(r.durationMs)}
            {metrics.setupMs !== undefined && <span className="muted"> (cluster start {formatDurationMs(metrics.setupMs)})</span>}
          </dd>
          {metrics.network && (
            <>
              <dt>Network</dt>
              <dd data-testid="network">{describeNetwork(metrics.network)}</dd>
            </>
          )}
          <dt>Downloads</dt>
          <dd className="downloads">
            {artifacts
              .filter((a) => a.kind !== "NODE_LOG")
              .map((a) => (
                <a key={a.id} href={download(a.id)} download={a.name}>
                  {a.name} <span className="muted">({formatBytes(a.sizeBytes)})</span>
                </a>
              ))}
            {!artifacts.some((a) => a.kind === "HISTORY") && <span className="muted">the history was too large to keep</span>}
          </dd>
        </dl>
      </section>

      {evidence.kind !== "raft" && (
        <section className="card">
          <h2>Operations over time</h2>
          <Summary metrics={metrics} />
          {plot ? (
            <RunCharts plotUrl={download(plot.id)} marked={evidence.kind === "linearizability" && Array.isArray(evidence.operations) ? evidence.operations.filter(isEvidenceOp) : []} />
          ) : (
            <p className="muted">This run was graded before plots were recorded.</p>
          )}
        </section>
      )}

      <CriteriaSection criteria={metrics.criteria} />
      <EvidenceSections evidence={evidence} />
      <MessageStatistics metrics={metrics} />
      {journal && journalArtifact && (
        <MessageDiagram {...journal} params={await searchParams} basePath={`/submissions/${s.id}/results/${r.id}`} downloadUrl={download(journalArtifact.id)} />
      )}
      <FaultTimeline metrics={metrics} />

      <section className="card">
        <h2>Node logs</h2>
        {report.logs.length === 0 && <p className="muted">No logs were kept.</p>}
        {report.logs.map((log) => (
          <details key={log.id} className="node-log">
            {/* The download is beside the summary, not in it: a link inside the control that opens the log is a control in a control. */}
            <summary>
              {log.name} <span className="muted">({formatBytes(log.sizeBytes)}{log.truncated ? ", cut at the size limit while running" : ""})</span>
            </summary>
            <p>
              <a href={download(log.id)} download={log.name}>
                Download {log.name}
              </a>
              {log.cut && <span className="muted"> (the last {formatBytes(LOG_TAIL_BYTES)} are shown below; download it for the whole log)</span>}
            </p>
            {/* Focusable: a long log scrolls, and a keyboard must be able to scroll it. */}
            <pre className="log" tabIndex={0}>
              {log.tail || "(empty)"}
            </pre>
          </details>
        ))}
      </section>
    </>
  );
}

function Summary({ metrics }: { metrics: RunReport["metrics"] }) {
  const ops = Object.entries(metrics.byOperation ?? {});
  if (ops.length === 0) return null;
  return (
    <TableScroll label="Operations by outcome">
      <table className="table" data-testid="operation-summary">
        <thead>
          <tr>
            <th scope="col">Operation</th>
            <th scope="col" className="numeric">
              Invoked
            </th>
            <th scope="col" className="numeric">
              ok
            </th>
            <th scope="col" className="numeric">
              fail
            </th>
            <th scope="col" className="numeric">
              info
            </th>
            <th scope="col" className="numeric">
              p50 latency
            </th>
            <th scope="col" className="numeric">
              p99 latency
            </th>
          </tr>
        </thead>
        <tbody>
          {ops.map(([f, m]) => (
            <tr key={f}>
              <td>
                <code>{f}</code>
              </td>
              <td className="numeric">{m.invoked}</td>
              <td className="numeric">{m.ok}</td>
              <td className="numeric">{m.fail}</td>
              <td className="numeric">{m.indeterminate}</td>
              <td className="numeric">{m.latencyMs ? `${m.latencyMs.p50} ms` : "—"}</td>
              <td className="numeric">{m.latencyMs ? `${m.latencyMs.p99} ms` : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** The sections a kind of evidence has (the checker's own figures and explanations). */
function EvidenceSections({ evidence }: { evidence: Evidence }) {
  switch (evidence.kind) {
    case "linearizability":
      return <Counterexample evidence={evidence} />;
    case "set-completeness":
      return <BroadcastFigures evidence={evidence} />;
    case "raft":
      return <RaftSections evidence={evidence} />;
    default:
      return null;
  }
}

/** A linearizability failure's minimal counterexample: lanes per client, and the operations as a table. */
function Counterexample({ evidence }: { evidence: LinearizabilityEvidence }) {
  const counterexample = Array.isArray(evidence.operations) ? evidence.operations.filter(isEvidenceOp) : [];
  const impossible = isEvidenceOp(evidence.impossible) ? evidence.impossible : null;
  if (counterexample.length === 0) return null;
  return (
    <section className="card" data-testid="counterexample">
      <h2>Counterexample{evidence.key !== undefined && <> on key {JSON.stringify(evidence.key)}</>}</h2>
      <p>
        {evidence.minimal === true
          ? "The smallest part of the history the checker found that no order of operations explains."
          : "A failing part of the history; the checker ran out of time before it was the smallest."}{" "}
        Each operation names the node that served it (for a stale read, the node is often the answer); they are marked ◆ on the latency chart above.{" "}
        {evidence.initialValue === "any" ? "It starts from whatever value the key held then." : "It starts from an absent key."}
        {typeof evidence.omittedOperations === "number" && ` ${evidence.omittedOperations} more operations are not drawn.`}
      </p>
      <CounterexampleLanes operations={counterexample} impossible={impossible} />
      <TableScroll label="Counterexample operations">
        <table className="table" data-testid="counterexample-operations">
          <thead>
            <tr>
              <th scope="col">Process</th>
              <th scope="col">Served by</th>
              <th scope="col">Operation</th>
              <th scope="col">Outcome</th>
              <th scope="col" className="numeric">
                Invoked
              </th>
              <th scope="col" className="numeric">
                Completed
              </th>
            </tr>
          </thead>
          <tbody>
            {counterexample.map((op) => {
              const bad = impossible !== null && op.process === impossible.process && op.startUs === impossible.startUs;
              return (
                <tr key={`${op.process}/${op.startUs}`} className={bad ? "impossible" : undefined} data-process={op.process} data-start-us={op.startUs}>
                  <td className="numeric">{op.process}</td>
                  <td>
                    <code>{op.node}</code>
                  </td>
                  <td>
                    <code>{describeEvidenceOp(op)}</code>
                    {bad && <strong className="tag tag-fail">impossible</strong>}
                  </td>
                  <td>{op.type}</td>
                  <td className="numeric">{ms(op.startUs)}</td>
                  <td className="numeric">{op.endUs === null ? "no reply" : ms(op.endUs)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

function BroadcastFigures({ evidence }: { evidence: SetCompletenessEvidence }) {
  const n = (key: keyof SetCompletenessEvidence) => (typeof evidence[key] === "number" ? (evidence[key] as number) : 0);
  const stable = evidence.stableLatencyMs;
  const lostByNode = evidence.lostByNode ?? {};
  return (
    <section className="card" data-testid="broadcast-figures">
      <h2>Messages delivered</h2>
      <dl className="facts">
        <dt>Acknowledged</dt>
        <dd>
          {n("acknowledged")} of {n("attempted")} sent ({n("failed")} failed, {n("indeterminate")} without a definite answer)
        </dd>
        <dt>Lost</dt>
        <dd data-testid="lost">
          {n("lost")} acknowledged {n("lost") === 1 ? "message is" : "messages are"} missing from a final read{n("neverRead") > 0 && `; ${n("neverRead")} never read by any node`}
        </dd>
        <dt>Stale</dt>
        <dd data-testid="stale">
          {n("stale")} {n("stale") === 1 ? "message was" : "messages were"} still missing from a read that began after {n("stale") === 1 ? "it was" : "they were"} acknowledged
        </dd>
        <dt>Stable latency</dt>
        <dd data-testid="stable-latency">
          {stable
            ? Object.entries(stable)
                .sort((a, b) => Number(a[0]) - Number(b[0]))
                .map(([q, v]) => `${q === "1" ? "max" : q === "0" ? "min" : `p${Math.round(Number(q) * 100)}`} ${Math.round(v)} ms`)
                .join(", ")
            : "—"}{" "}
          <span className="muted">(Maelstrom's measure: from when a message was known, acknowledged or read, until the last read that lacked it began)</span>
        </dd>
      </dl>
      {Object.keys(lostByNode).length > 0 && (
        <ul className="lost-by-node">
          {Object.entries(lostByNode).map(([node, values]) => (
            <li key={node}>
              <code>{node}</code>&apos;s final read lacks {values.length} {values.length === 1 ? "message" : "messages"}: {values.slice(0, 20).map((v) => JSON.stringify(v)).join(", ")}
              {values.length > 20 && " …"}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function MessageStatistics({ metrics }: { metrics: RunReport["metrics"] }) {
  const nodes = metrics.perNode ?? [];
  if (nodes.length === 0) return null;
  const byType = new Map<string, number>();
  for (const node of nodes) for (const [type, count] of Object.entries(node.sentByType ?? {})) byType.set(type, (byType.get(type) ?? 0) + count);
  const operations = metrics.operations ?? 0;
  return (
    <section className="card" data-testid="message-statistics">
      <h2>Messages</h2>
      <p>
        {metrics.serverMessages === null || metrics.serverMessages === undefined
          ? metrics.serverPackets !== null && metrics.serverPackets !== undefined
            ? `${metrics.serverPackets} packets between servers (the program's own transport: packets, not messages) for ${operations} client operations.`
            : "Messages between servers were not counted for this run."
          : `${metrics.serverMessages} messages between servers (nodes and services) for ${operations} client operations: `}
        {metrics.serverMessages !== null && metrics.serverMessages !== undefined && (
          <strong data-testid="msgs-per-op">{metrics.msgsPerOp === null || metrics.msgsPerOp === undefined ? "—" : round(metrics.msgsPerOp)} per operation.</strong>
        )}
      </p>
      <p className="hint">Counted by each node&apos;s firewall, as Maelstrom counts msgs-per-op; the columns after the first three are what the node&apos;s agent reported.</p>
      <TableScroll label="Messages and packets by node">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col" className="numeric">
                Sent to nodes
              </th>
              <th scope="col" className="numeric">
                Sent to services
              </th>
              <th scope="col" className="numeric">
                From services
              </th>
              <th scope="col" className="numeric">
                Client requests
              </th>
              <th scope="col" className="numeric">
                Replies
              </th>
              <th scope="col" className="numeric">
                Dropped (too large)
              </th>
              <th scope="col" className="numeric" title="datagrams whose sender was not the node or service they claimed to come from">
                Refused
              </th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((n) => (
              <tr key={n.node}>
                <td>
                  <code>{n.node}</code>
                </td>
                <td className="numeric">{figure(n.toNodes ?? n.serverMessagesSent)}</td>
                <td className="numeric">{figure(n.toServices)}</td>
                <td className="numeric">{figure(n.fromServices)}</td>
                <td className="numeric">{figure(n.clientMessagesIn)}</td>
                <td className="numeric">{figure(n.clientMessagesOut)}</td>
                <td className="numeric">{figure(n.oversizeDropped)}</td>
                <td className="numeric">{figure(n.refusedDatagrams)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {byType.size > 0 && (
        <TableScroll label="Messages by type">
          <table className="table" data-testid="messages-by-type">
            <thead>
              <tr>
                <th scope="col">Message type (sent to nodes and services, as the agents counted)</th>
                <th scope="col" className="numeric">
                  Sent
                </th>
                <th scope="col" className="numeric">
                  Per operation
                </th>
              </tr>
            </thead>
            <tbody>
              {[...byType.entries()]
                .sort((a, b) => b[1] - a[1])
                .map(([type, count]) => (
                  <tr key={type}>
                    <td>
                      <code>{type}</code>
                    </td>
                    <td className="numeric">{count}</td>
                    <td className="numeric">{operations > 0 ? round(count / operations) : "—"}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

/** A count, or a dash where it is not known. */
function figure(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : String(value);
}

function FaultTimeline({ metrics }: { metrics: RunReport["metrics"] }) {
  const faults = metrics.faults ?? [];
  if (faults.length === 0) return null;
  return (
    <section className="card">
      <h2>Fault timeline</h2>
      <TableScroll label="Fault timeline">
        <table className="table" data-testid="fault-timeline">
          <thead>
            <tr>
              <th scope="col" className="numeric">
                At
              </th>
              <th scope="col">Fault</th>
              <th scope="col">What happened</th>
            </tr>
          </thead>
          <tbody>
            {faults.map((f, i) => (
              <tr key={i} className={f.ok ? undefined : "fault-failed"}>
                <td className="numeric">
                  {round(f.atMs / 1000, 2)} s
                  {f.plannedMs !== undefined && Math.abs(f.atMs - f.plannedMs) >= 10 && <span className="muted"> (planned {round(f.plannedMs / 1000, 2)} s)</span>}
                </td>
                <td>
                  <code>{f.kind}</code>
                </td>
                <td>
                  {f.detail}
                  {f.droppedPackets && Object.keys(f.droppedPackets).length > 0 && (
                    <span className="muted">
                      {" "}
                      (packets dropped: {Object.entries(f.droppedPackets)
                        .map(([node, count]) => `${node} ${count}`)
                        .join(", ")}
                      )
                    </span>
                  )}
                  {f.late && <p className="fault-late" data-testid="fault-late">Late: {f.late}.</p>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
