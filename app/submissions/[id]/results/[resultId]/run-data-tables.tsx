"use client";
// The run chart's data as tables, for whoever cannot see or point at the
// canvas: every operation (when, which, by whom, how it ended, how long), the
// fault bands and the completions per interval. Each sits in a <details> a
// keyboard opens; rows are rendered only once it is open, since a long run
// has thousands of operations.
import { useState, type ReactNode } from "react";
import { OUTCOME_CODES, type OutcomeCode, type PlotData } from "@/lib/reports/plot-data";
import { TableScroll } from "../../../../table-scroll";

const seconds = (ms: number) => `${Math.round(ms) / 1000} s`;

function Folded({ summary, testId, children }: { summary: string; testId: string; children: () => ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="chart-table" data-testid={testId} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>{summary}</summary>
      {open && <TableScroll label={summary}>{children()}</TableScroll>}
    </details>
  );
}

export function RunDataTables({ plot }: { plot: PlotData }) {
  const ops = plot.operations;
  const { bucketSeconds, ok, fail, info } = plot.throughput;
  return (
    <>
      <Folded summary={`The chart's ${ops.startMs.length} operations as a table`} testId="run-chart-table">
        {() => (
          <table className="table">
            <thead>
              <tr>
                <th scope="col" className="numeric">
                  Invoked
                </th>
                <th scope="col">Operation</th>
                <th scope="col" className="numeric">
                  Process
                </th>
                <th scope="col">Outcome</th>
                <th scope="col" className="numeric">
                  Latency
                </th>
              </tr>
            </thead>
            <tbody>
              {ops.startMs.map((startMs, i) => (
                <tr key={i}>
                  <td className="numeric">{seconds(startMs)}</td>
                  <td>{ops.names[ops.f[i]!] ?? "?"}</td>
                  <td className="numeric">{ops.process[i]}</td>
                  <td>{OUTCOME_CODES[(ops.outcome[i] ?? "i") as OutcomeCode]}</td>
                  <td className="numeric">{Math.round(ops.latencyMs[i]! * 100) / 100} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Folded>
      <Folded summary={`Fault bands (${plot.faults.length}) and completions per ${bucketSeconds} s as tables`} testId="run-chart-rates">
        {() => (
          <>
            {plot.faults.length > 0 && (
              <table className="table">
                <caption>Fault bands</caption>
                <thead>
                  <tr>
                    <th scope="col">Fault</th>
                    <th scope="col">Nodes</th>
                    <th scope="col" className="numeric">
                      From
                    </th>
                    <th scope="col" className="numeric">
                      To
                    </th>
                    <th scope="col">Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {plot.faults.map((band, i) => (
                    <tr key={i}>
                      <td>{band.kind}</td>
                      <td>{band.nodes.join(", ")}</td>
                      <td className="numeric">{seconds(band.startMs)}</td>
                      <td className="numeric">{seconds(band.endMs)}</td>
                      <td>{band.detail}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <table className="table">
              <caption>Completions per second</caption>
              <thead>
                <tr>
                  <th scope="col" className="numeric">
                    From
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
                </tr>
              </thead>
              <tbody>
                {ok.map((n, i) => (
                  <tr key={i}>
                    <td className="numeric">{i * bucketSeconds} s</td>
                    <td className="numeric">{Math.round((n / bucketSeconds) * 100) / 100}</td>
                    <td className="numeric">{Math.round(((fail[i] ?? 0) / bucketSeconds) * 100) / 100}</td>
                    <td className="numeric">{Math.round(((info[i] ?? 0) / bucketSeconds) * 100) / 100}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Folded>
    </>
  );
}
