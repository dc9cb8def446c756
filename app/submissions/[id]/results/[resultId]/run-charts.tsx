"use client";
// The report's charts: ECharts, loaded after the page (it is large and only
// these pages need it). Each chart says on its element what it drew, read back
// from the chart instance once it has rendered: data-state="rendered",
// data-points and data-fault-bands (the run), data-operations (the
// counterexample). Browser tests check those against the history.
import type { EChartsCoreOption } from "echarts/core";
import { useEffect, useRef, useState } from "react";
import type { PlotData } from "@/lib/reports/plot-data";
import type { EvidenceOp } from "./evidence-op";
import { SERIES_IDS } from "./chart-ids";
import { RunDataTables } from "./run-data-tables";

/** `heightPx` is set through the DOM (an inline style attribute would break the Content-Security-Policy). */
type Built = { option: EChartsCoreOption; heightPx?: number };

/** Draws `build()`'s option into the element, re-fitting it on resize; the series with the ids in `count` are counted once drawn. */
function useChart(build: () => Promise<Built | null>, count: Record<string, readonly string[]>) {
  const ref = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let disposed = false;
    let dispose = () => {};
    void (async () => {
      try {
        const [{ init }, built] = await Promise.all([import("echarts/core"), build()]);
        const element = ref.current;
        if (disposed || !element || !built) return;
        if (built.heightPx) element.style.height = `${built.heightPx}px`;
        const chart = init(element, undefined, { renderer: "canvas" });
        const onResize = () => chart.resize();
        window.addEventListener("resize", onResize);
        dispose = () => {
          window.removeEventListener("resize", onResize);
          chart.dispose();
        };
        chart.on("finished", () => {
          // What the chart holds, per attribute: the lengths of the named series' data.
          const series = (chart.getOption() as { series?: Array<{ id?: string; data?: unknown[] }> }).series ?? [];
          for (const [attribute, ids] of Object.entries(count)) {
            const n = series.filter((s) => ids.includes(s.id ?? "")).reduce((sum, s) => sum + (s.data?.length ?? 0), 0);
            element.dataset[attribute] = String(n);
          }
          element.dataset.state = "rendered";
        });
        chart.setOption(built.option);
      } catch (err) {
        if (!disposed) setProblem(err instanceof Error ? err.message : String(err));
      }
    })();
    return () => {
      disposed = true;
      dispose();
    };
    // The chart is drawn once per mount: its inputs are the page's props.
  }, []);
  return { ref, problem };
}

/** `marked`: operations to mark on the latency chart (a counterexample's). */
export function RunCharts({ plotUrl, marked = [] }: { plotUrl: string; marked?: EvidenceOp[] }) {
  // The same data as tables, for whoever cannot see the canvas.
  const [plot, setPlot] = useState<PlotData | null>(null);
  const { ref, problem } = useChart(
    async () => {
      const [{ runOption }, response] = await Promise.all([import("./run-charts-options"), fetch(plotUrl)]);
      if (!response.ok) throw new Error(`the plot data could not be loaded (HTTP ${response.status})`);
      const data = (await response.json()) as PlotData;
      setPlot(data);
      return runOption(data, marked);
    },
    { points: SERIES_IDS.points, faultBands: SERIES_IDS.faults, marked: SERIES_IDS.marked },
  );
  return (
    <>
      {problem && <p className="form-error">{problem}</p>}
      <div ref={ref} className="chart chart-run" data-testid="run-chart" role="img" aria-label="Latency of every operation over time, the faults under it, and completions per second (the same data as tables below)" />
      {plot && <RunDataTables plot={plot} />}
    </>
  );
}

export function CounterexampleLanes({ operations, impossible }: { operations: EvidenceOp[]; impossible: EvidenceOp | null }) {
  const { ref, problem } = useChart(
    async () => {
      const { lanesOption } = await import("./run-charts-options");
      const lanes = new Set(operations.map((o) => o.process)).size;
      return { option: lanesOption(operations, impossible), heightPx: Math.max(120, 46 * lanes + 60) };
    },
    { operations: SERIES_IDS.lanes },
  );
  return (
    <>
      {problem && <p className="form-error">{problem}</p>}
      <div
        ref={ref}
        className="chart"
        data-testid="counterexample-chart"
        role="img"
        aria-label="The counterexample's operations, one lane per client process (the same operations as a table below)"
      />
    </>
  );
}
