// The report's space-time diagram of a Maelstrom-mode run, drawn on the
// server from its message journal (messages.jsonl, lib/reports/
// message-journal.ts): one lane per node, service and client, time going
// down, an arrow per message; lost messages end in a cross short of their
// receiver; the failing operation's messages are drawn thick; partitions are
// bands that colour each side differently, so who was cut off from whom shows.
// The window and filters are a plain GET form (no script): a run of thousands
// of messages draws every lost and highlighted one and an even sample of the
// rest (diagramModel), and a narrower window shows all. Tables below say the
// same for those who do not see the drawing.
import Link from "next/link";
import type { FaultBand } from "@/lib/reports/plot-data";
import { describeBand, diagramModel, journalExtent, lostMessageReasons, type DiagramArrow, type DiagramModel, type JournalMessage, type MessageJournal } from "@/lib/reports/message-journal";
import { TableScroll } from "../../../../table-scroll";

/** Arrows drawn at most; the rest of a window is sampled (diagramModel). */
const MAX_ARROWS = 400;
/** Rows of the lost-message table. */
const LOST_ROWS = 100;
const LANE_GAP = 88;
const LEFT = 64;
const TOP = 36;
const HEIGHT = 560;
const SIDE_COLOURS = ["#dbeafe", "#fde68a", "#dcfce7", "#fce7f3", "#e9d5ff"];

export interface DiagramParams {
  from?: string | string[];
  to?: string | string[];
  node?: string | string[];
  type?: string | string[];
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((s) => s !== "");
const first = (v: string | string[] | undefined) => list(v)[0];
const seconds = (ms: number) => String(Math.round(ms / 10) / 100);

/** The window and filters from the page's query, with a problem for each value that names nothing in this run. */
function readFilter(params: DiagramParams, lanes: readonly string[], types: readonly string[], span: { fromMs: number; toMs: number }) {
  const problems: string[] = [];
  const time = (raw: string | undefined, fallback: number, what: string) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value)) {
      problems.push(`"${raw.slice(0, 40)}" is not a time in seconds (${what}); showing the whole run`);
      return fallback;
    }
    return value * 1000;
  };
  let fromMs = time(first(params.from), span.fromMs, "from");
  let toMs = time(first(params.to), span.toMs, "to");
  if (toMs <= fromMs) {
    problems.push(`the window must end after it starts (from ${seconds(fromMs)} s to ${seconds(toMs)} s); showing the whole run`);
    fromMs = span.fromMs;
    toMs = span.toMs;
  }
  const known = (values: string[], all: readonly string[], what: string) => {
    const unknown = values.filter((v) => !all.includes(v));
    if (unknown.length > 0) problems.push(`no ${what} ${unknown.map((u) => `"${u.slice(0, 40)}"`).join(", ")} in this run (known: ${all.join(", ")})`);
    return values.filter((v) => all.includes(v));
  };
  return { filter: { fromMs, toMs, nodes: known(list(params.node), lanes, "lane"), types: known(list(params.type), types, "message type") }, problems };
}

export function MessageDiagram({
  journal,
  messages,
  bands,
  nodeIds,
  params,
  basePath,
  downloadUrl,
}: {
  journal: MessageJournal;
  messages: JournalMessage[];
  bands: FaultBand[];
  nodeIds: string[];
  params: DiagramParams;
  basePath: string;
  downloadUrl: string;
}) {
  const whole = journalExtent(messages);
  const { filter, problems } = readFilter(params, whole.lanes, whole.types, whole.spanMs);
  const model = diagramModel(journal, messages, bands, nodeIds, filter, MAX_ARROWS);
  const reasons = lostMessageReasons(messages, bands);
  const lost = messages.filter((m) => m.status === "lost");
  const cut = journal.nodes.filter((n) => n.problem !== null);
  const href = (fromMs: number, toMs: number) => {
    const q = new URLSearchParams({ from: seconds(fromMs), to: seconds(toMs) });
    for (const n of filter.nodes) q.append("node", n);
    for (const t of filter.types) q.append("type", t);
    return `${basePath}?${q.toString()}#messages`;
  };
  const mid = (filter.fromMs + filter.toMs) / 2;
  return (
    <section className="card" id="messages" data-testid="message-diagram">
      <h2>Messages between nodes</h2>
      <p>
        Every envelope the nodes&apos; agents carried ({messages.length} messages, {lost.length} lost), as our agents saw them on the wire. A message is lost when its receiver&apos;s agent never got it while its journal was whole; a request to a service (lin-kv, seq-kv, lww-kv, lin-tso) when no answer came back while its sender&apos;s journal went on, since our services answer every request that reaches them.{" "}
        <a href={downloadUrl} download="messages.jsonl">
          Download the journal
        </a>{" "}
        <span className="muted">(JSON lines: a header, then one line per envelope sent or received: time, node, src, dest, type, msg_id, in_reply_to, size).</span>
      </p>
      {reasons.length > 0 && (
        <ul className="lost-reasons" data-testid="lost-reasons">
          {reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      {cut.length > 0 && (
        <p className="muted" data-testid="journal-cut">
          {cut.map((n) => `${n.node}: ${n.problem}${n.wholeUntilMs !== null ? ` (whole until ${seconds(n.wholeUntilMs)} s)` : ""}`).join("; ")}.
        </p>
      )}
      <p className="hint">{journal.clock}</p>

      <form method="get" action={`${basePath}#messages`} className="diagram-filters" aria-label="Window and filters of the diagram">
        <div className="form-row">
          <div>
            <label htmlFor="diagram-from">From (s)</label>
            <input id="diagram-from" name="from" type="number" step="0.01" defaultValue={seconds(filter.fromMs)} />
          </div>
          <div>
            <label htmlFor="diagram-to">To (s)</label>
            <input id="diagram-to" name="to" type="number" step="0.01" defaultValue={seconds(filter.toMs)} />
          </div>
          <div>
            <label htmlFor="diagram-node">Lanes (none chosen: all)</label>
            <select id="diagram-node" name="node" multiple defaultValue={filter.nodes} size={Math.min(6, whole.lanes.length)}>
              {whole.lanes.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="diagram-type">Message types (none chosen: all)</label>
            <select id="diagram-type" name="type" multiple defaultValue={filter.types} size={Math.min(6, whole.types.length)}>
              {whole.types.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
        </div>
        <p className="inline-forms">
          <button type="submit">Show</button>
          <Link href={href(filter.fromMs, mid)}>Zoom into the first half</Link>
          <Link href={href(mid, filter.toMs)}>Zoom into the second half</Link>
          {model.bands.map((b) => (
            <Link key={b.index} href={href(Math.max(whole.spanMs.fromMs, b.startMs - 250), b.endMs + 250)}>
              Zoom to {describeBand(b).replace(/^the /, "")}
            </Link>
          ))}
          <Link href={`${basePath}#messages`}>Whole run</Link>
        </p>
      </form>
      {problems.length > 0 && (
        <ul className="form-error" role="alert" data-testid="diagram-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}

      <p data-testid="diagram-shown">
        {seconds(filter.fromMs)}–{seconds(filter.toMs)} s: {model.matching === model.arrows.length ? `all ${model.matching} messages` : `${model.arrows.length} of ${model.matching} messages (the highlighted and lost ones first, then an even sample of the rest; narrow the window to see all)`}
        {model.lost > 0 && (model.lostDrawn === model.lost ? `, ${model.lost} lost` : `, ${model.lost} lost (${model.lostDrawn} of them drawn, evenly spread)`)}.
        {journal.focus && ` Drawn thick: ${journal.focus.what}.`}
      </p>
      <figure className="diagram">
        <TableScroll label="Message diagram">
          <DiagramSvg model={model} />
        </TableScroll>
        <figcaption className="muted">Time goes down; each column is a node, service or client. Red dashed arrows ending in ✕ were lost. Shaded bands are faults; in a partition each side has its own colour.</figcaption>
      </figure>

      {lost.length > 0 && (
        <details>
          <summary>
            The lost messages as a table{lost.length > LOST_ROWS ? ` (the first ${LOST_ROWS} of ${lost.length})` : ` (${lost.length})`}
          </summary>
          <TableScroll label="Lost messages">
          <table className="table" data-testid="lost-messages">
            <caption>Lost messages, and the fault each was lost to</caption>
            <thead>
              <tr>
                <th scope="col" className="numeric">
                  Sent at
                </th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Type</th>
                <th scope="col">Lost to</th>
              </tr>
            </thead>
            <tbody>
              {lost.slice(0, LOST_ROWS).map((m, i) => (
                <tr key={i}>
                  <td className="numeric">{seconds(m.sentMs)} s</td>
                  <td>
                    <code>{m.src}</code>
                  </td>
                  <td>
                    <code>{m.dest}</code>
                  </td>
                  <td>
                    <code>{m.type}</code>
                    {m.msgId !== null && <span className="muted"> #{m.msgId}</span>}
                  </td>
                  <td>{m.cause === null ? "no fault explains it" : describeBand(bands[m.cause]!)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </TableScroll>
        </details>
      )}
      <details>
        <summary>The drawn messages as a table</summary>
        <TableScroll label="Messages as a table">
          <table className="table" data-testid="diagram-table">
            <thead>
              <tr>
                <th scope="col" className="numeric">
                  Sent at
                </th>
                <th scope="col" className="numeric">
                  Received at
                </th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Type</th>
                <th scope="col">What became of it</th>
              </tr>
            </thead>
            <tbody>
              {model.arrows.map((a, i) => (
                <tr key={i}>
                  <td className="numeric">{seconds(a.sentMs)} s</td>
                  <td className="numeric">{a.recvMs === null ? "—" : `${seconds(a.recvMs)} s`}</td>
                  <td>
                    <code>{a.src}</code>
                  </td>
                  <td>
                    <code>{a.dest}</code>
                  </td>
                  <td>
                    <code>{a.type}</code>
                  </td>
                  <td>
                    {statusWords(a)}
                    {a.focus && " (highlighted)"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </section>
  );
}

function statusWords(m: JournalMessage): string {
  switch (m.status) {
    case "delivered":
      return "delivered";
    case "lost":
      return "lost";
    case "unknown":
      return /^n\d+$/.test(m.dest) ? "not known (the receiver's journal ends before it)" : "not known (the sender's journal ends before its answer could come)";
    case "one-sided":
      return "one end is a client or service (no journal of its own)";
  }
}

function DiagramSvg({ model }: { model: DiagramModel }) {
  const width = LEFT + Math.max(1, model.lanes.length) * LANE_GAP;
  const height = TOP + HEIGHT + 16;
  const span = Math.max(1, model.window.toMs - model.window.fromMs);
  const y = (t: number) => TOP + ((Math.min(Math.max(t, model.window.fromMs), model.window.toMs) - model.window.fromMs) / span) * HEIGHT;
  const x = (lane: string) => LEFT + model.lanes.indexOf(lane) * LANE_GAP + LANE_GAP / 2;
  const ticks = Array.from({ length: 6 }, (_, i) => model.window.fromMs + (span * i) / 5);
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="diagram-title" data-testid="diagram-svg">
      <title id="diagram-title">{`Space-time diagram: ${model.arrows.length} messages between ${model.lanes.join(", ")}, ${model.lost} lost`}</title>
      <defs>
        <marker id="arrow-head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill="#64748b" />
        </marker>
        <marker id="arrow-focus" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill="#1d4ed8" />
        </marker>
      </defs>
      {model.bands.map((b) => {
        const top = y(b.startMs);
        const h = Math.max(2, y(b.endMs) - top);
        const sideOf = (lane: string) => b.sides.findIndex((side) => side.includes(lane));
        return (
          <g key={b.index} data-testid="diagram-band" data-kind={b.kind} data-sides={b.sides.map((s) => s.join(" ")).join(" | ")}>
            <rect x={LEFT} y={top} width={width - LEFT} height={h} fill={b.kind === "partition" ? "#f8fafc" : "#fef2f2"} stroke="#cbd5e1" strokeDasharray="2 2" />
            {model.lanes.map((lane) => {
              const side = sideOf(lane);
              const killed = (b.kind === "kill" || b.kind === "pause") && b.nodes.includes(lane);
              if (side < 0 && !killed) return null;
              return <rect key={lane} x={x(lane) - LANE_GAP / 2 + 6} y={top} width={LANE_GAP - 12} height={h} fill={killed ? "#fecaca" : SIDE_COLOURS[side % SIDE_COLOURS.length]} opacity={0.8} />;
            })}
            <text x={LEFT + 4} y={top + 12} fontSize="11" fill="#334155" stroke="#ffffff" strokeWidth={3} paintOrder="stroke">
              {describeBand(b).replace(/^the /, "")}
              {b.sides.length > 1 && `: ${b.sides.map((s) => s.join(" ")).join(" | ")}`}
            </text>
          </g>
        );
      })}
      {ticks.map((t) => (
        <g key={t}>
          <line x1={LEFT - 6} x2={width} y1={y(t)} y2={y(t)} stroke="#e2e8f0" />
          <text x={LEFT - 8} y={y(t) + 4} fontSize="11" textAnchor="end" fill="#475569">
            {seconds(t)} s
          </text>
        </g>
      ))}
      {model.lanes.map((lane) => (
        <g key={lane}>
          <line x1={x(lane)} x2={x(lane)} y1={TOP - 6} y2={TOP + HEIGHT} stroke="#94a3b8" />
          <text x={x(lane)} y={TOP - 12} fontSize="12" textAnchor="middle" fontFamily="monospace" fill="#0f172a">
            {lane}
          </text>
        </g>
      ))}
      {model.arrows.map((a, i) => (
        <Arrow key={i} arrow={a} x={x} y={y} />
      ))}
    </svg>
  );
}

function Arrow({ arrow: a, x, y }: { arrow: DiagramArrow; x: (lane: string) => number; y: (t: number) => number }) {
  const x1 = x(a.src);
  const y1 = y(a.sentMs);
  const x2 = x(a.dest);
  const title = `${a.type}${a.msgId !== null ? ` #${a.msgId}` : ""} ${a.src} → ${a.dest}, sent at ${seconds(a.sentMs)} s: ${statusWords(a)}`;
  const data = { "data-status": a.status, "data-type": a.type, "data-src": a.src, "data-dest": a.dest, "data-focus": a.focus ? "true" : undefined };
  if (a.status === "lost" || a.status === "unknown") {
    // Drawn two thirds of the way, ending in a cross: it never got there (or we cannot say).
    const ex = x1 + (x2 - x1) * 0.66;
    const ey = y1 + 10;
    const colour = a.status === "lost" ? "#dc2626" : "#a3a3a3";
    return (
      <g {...data} data-testid="diagram-arrow">
        <title>{title}</title>
        <line x1={x1} y1={y1} x2={ex} y2={ey} stroke={colour} strokeWidth={a.focus ? 2.5 : 1.4} strokeDasharray="4 3" />
        <path d={`M${ex - 4},${ey - 4} L${ex + 4},${ey + 4} M${ex - 4},${ey + 4} L${ex + 4},${ey - 4}`} stroke={colour} strokeWidth={1.8} />
      </g>
    );
  }
  const y2 = y(a.recvMs ?? a.sentMs);
  return (
    <g {...data} data-testid="diagram-arrow">
      <title>{title}</title>
      <line x1={x1} y1={y1} x2={x2} y2={Math.max(y2, y1 + 0.5)} stroke={a.focus ? "#1d4ed8" : "#64748b"} strokeWidth={a.focus ? 2.5 : 1} opacity={a.focus ? 1 : 0.7} markerEnd={a.focus ? "url(#arrow-focus)" : "url(#arrow-head)"} />
    </g>
  );
}
