// The runners as a table: the course grading page's and the platform page's
// (which adds each runner's host and the sandbox images it has) share it.
import type { QueueOverview } from "@/lib/jobs/queue-overview";
import { LocalTime } from "./local-time";
import { TableScroll } from "./table-scroll";

type RunnerRow = QueueOverview["runners"][number] & { images?: { present: string[]; missing: string[] } };

const SHAPING_WORDS = { userspace: "our packet scheduler", netem: "netem", none: "none (latency, delay, jitter, reorder, duplicate refused)" } as const;

export function RunnersTable({ runners, testId, columns = {} }: { runners: readonly RunnerRow[]; testId: string; columns?: { host?: boolean; images?: boolean } }) {
  return (
    <TableScroll label="Runners">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Runner</th>
            {columns.host && <th scope="col">Host</th>}
            <th scope="col">State</th>
            <th scope="col" className="numeric">
              Slots
            </th>
            <th scope="col">Engine</th>
            <th scope="col">Packet delays</th>
            {columns.images && <th scope="col">Images</th>}
            <th scope="col">Last heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {runners.map((r) => (
            <tr key={r.id}>
              <td>
                <code>{r.id}</code>
              </td>
              {columns.host && <td>{r.hostname}</td>}
              <td>
                {!r.alive ? (
                  <span className="muted">gone</span>
                ) : r.engineUnreachableSince ? (
                  <span className="tag tag-warn" title={r.engineError ?? undefined}>
                    engine not answering since <LocalTime date={r.engineUnreachableSince} />: taking no work
                  </span>
                ) : (
                  "alive"
                )}
              </td>
              <td className="numeric">{r.concurrency ?? "—"}</td>
              <td>{r.engine ?? "—"}</td>
              <td title={r.shaping?.detail ?? undefined}>{r.shaping === null ? "—" : SHAPING_WORDS[r.shaping.kind]}</td>
              {columns.images && (
                <td>
                  {!r.images || r.images.present.length + r.images.missing.length === 0 ? (
                    "—"
                  ) : (
                    <>
                      {r.images.present.length} present
                      {r.images.missing.length > 0 && <span className="tag tag-warn">missing: {r.images.missing.join(", ")}</span>}
                    </>
                  )}
                </td>
              )}
              <td>
                <LocalTime date={r.heartbeatAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
