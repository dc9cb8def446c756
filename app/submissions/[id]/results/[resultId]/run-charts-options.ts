// ECharts options for a test run's report, loaded by the chart components on
// demand (ECharts stays out of every other page's bundle). Two charts:
//  - the run: a latency scatter of every operation coloured by outcome, with
//    the faults as bands behind it; under it the fault timeline (one row per
//    node, a bar while a fault held it); under that, completions per second.
//    The three share the time axis and zoom together.
//  - a linearizability counterexample: one lane per client process, each
//    operation a bar from invocation to completion, the impossible one marked.
import { use, type ComposeOption } from "echarts/core";
import { CustomChart, LineChart, ScatterChart, type CustomSeriesOption, type LineSeriesOption, type ScatterSeriesOption } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  type DataZoomComponentOption,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import type { CustomSeriesRenderItem } from "echarts";
import { OUTCOME_CODES, partitionSides, type OutcomeCode, type PlotData } from "@/lib/reports/plot-data";
import { SERIES_IDS } from "./chart-ids";
import { describeEvidenceOp, type EvidenceOp } from "./evidence-op";

use([ScatterChart, LineChart, CustomChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, CanvasRenderer]);

type Option = ComposeOption<ScatterSeriesOption | LineSeriesOption | CustomSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption | DataZoomComponentOption>;

/** Outcome colours (blue, red, orange: apart in lightness as well as hue, so they stay distinct with the common colour blindnesses). */
/** The latency chart's point series, in order (SERIES_IDS.points). */
const SCATTER_OUTCOMES = ["ok", "declined", "fail", "info"] as const;

/** Declined operations (a cas whose precondition missed) are answers, not errors: grey, never red. */
export const OUTCOME_COLOURS: Record<"ok" | "declined" | "fail" | "info", string> = { ok: "#1f77b4", declined: "#8a8f98", fail: "#d62728", info: "#ff7f0e" };
const FAULT_COLOURS: Record<string, string> = { partition: "#9467bd", kill: "#8c564b", pause: "#7f7f7f", loss: "#e377c2", bandwidth: "#17becf" };
const faultColour = (kind: string) => FAULT_COLOURS[kind] ?? "#bcbd22";
/** One colour per side of a partition, the largest side first. */
const SIDE_COLOURS = ["#9467bd", "#17becf", "#e377c2", "#8c564b", "#7f7f7f"];

/** Series names, for the tooltip (ids: chart-ids.ts). */
const SERIES = { faults: "faults", timeline: "fault timeline", marked: "counterexample" } as const;

const seconds = (ms: number) => Math.round(ms) / 1000;

/** A bar from x0 to x1 on one row of a category axis, `share` of the row's height, its middle `shift` rows below the row's middle. */
function rowBar(api: Parameters<CustomSeriesRenderItem>[1], x0: number, x1: number, row: number, share = 0.6, shift = 0) {
  const [left, y] = api.coord([x0, row]) as [number, number];
  const [right] = api.coord([x1, row]) as [number, number];
  const rowHeight = (api.size!([0, 1]) as number[])[1]!;
  const height = rowHeight * share;
  return { x: left, y: y + rowHeight * shift - height / 2, width: Math.max(4, right - left), height };
}

/** The run chart and the height it needs (its third grid sits under one row per faulted node). */
export function runOption(plot: PlotData, marked: readonly EvidenceOp[] = []): { option: Option; heightPx: number } {
  const ops = plot.operations;
  const byOutcome: Record<string, Array<[number, number, number]>> = { ok: [], declined: [], fail: [], info: [] };
  for (let i = 0; i < ops.startMs.length; i++) {
    const outcome = OUTCOME_CODES[(ops.outcome[i] ?? "i") as OutcomeCode];
    // Log axis: a zero latency sits at its floor.
    byOutcome[outcome]!.push([seconds(ops.startMs[i]!), Math.max(0.01, ops.latencyMs[i]!), i]);
  }
  const nodes = [...new Set(plot.faults.flatMap((b) => b.nodes))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const timeline = plot.faults.flatMap((band, index) => band.nodes.map((node) => [seconds(band.startMs), seconds(band.endMs), nodes.indexOf(node), index]));
  // A loop, not Math.max(...spread): a long history has more operations than a call has room for arguments.
  let endS = seconds(plot.mainPhaseMs);
  for (let i = 0; i < ops.startMs.length; i++) endS = Math.max(endS, seconds(ops.startMs[i]! + ops.latencyMs[i]!));
  const bucket = plot.throughput.bucketSeconds;
  const rate = (counts: number[]) => counts.map((n, i) => [i * bucket, n / bucket]);
  const xAxis = (gridIndex: number, name?: string) => ({ type: "value" as const, gridIndex, min: 0, max: Math.ceil(endS), name, nameLocation: "middle" as const, nameGap: 24, axisLabel: { formatter: "{value} s" } });

  const bandItem: CustomSeriesRenderItem = (params, api) => {
    const band = plot.faults[api.value(2) as number]!;
    const coordSys = params.coordSys as unknown as { y: number; height: number };
    const [x0] = api.coord([api.value(0), 1]) as [number, number];
    const [x1] = api.coord([api.value(1), 1]) as [number, number];
    return { type: "rect", shape: { x: x0, y: coordSys.y, width: Math.max(1, x1 - x0), height: coordSys.height }, style: { fill: faultColour(band.kind), opacity: 0.15 }, silent: true };
  };
  // A partition's row per node in its side's colour: who was cut off from whom, not one colour for all.
  const sideOf = plot.faults.map((band) => {
    if (band.kind !== "partition" || !band.cuts) return null;
    const side = new Map<string, number>();
    partitionSides(band, Object.keys(band.cuts).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))).forEach((nodesOfSide, i) => nodesOfSide.forEach((node) => side.set(node, i)));
    return side;
  });
  const timelineColour = (bandIndex: number, row: number) => {
    const side = sideOf[bandIndex]?.get(nodes[row]!);
    return side === undefined ? faultColour(plot.faults[bandIndex]!.kind) : SIDE_COLOURS[side % SIDE_COLOURS.length]!;
  };
  const timelineItem: CustomSeriesRenderItem = (_params, api) => {
    const shape = rowBar(api, api.value(0) as number, api.value(1) as number, api.value(2) as number);
    return { type: "rect", shape, style: { fill: timelineColour(api.value(3) as number, api.value(2) as number), opacity: 0.85 } };
  };

  const timelineHeight = Math.max(24, 22 * nodes.length);
  const option: Option = {
    animation: false,
    // "declined" only where there are some (most workloads have none).
    legend: { top: 0, data: [...SCATTER_OUTCOMES.filter((o) => o !== "declined" || byOutcome.declined!.length > 0), ...new Set(plot.faults.map((b) => b.kind))] },
    tooltip: {
      trigger: "item",
      formatter: (p) => {
        const item = Array.isArray(p) ? p[0]! : p;
        if (item.seriesName === SERIES.faults || item.seriesName === SERIES.timeline) {
          const band = plot.faults[(item.value as number[])[item.seriesName === SERIES.faults ? 2 : 3]!]!;
          const node = item.seriesName === SERIES.timeline ? nodes[(item.value as number[])[2]!] : undefined;
          const cutOff = node && band.cuts?.[node];
          const who = cutOff && cutOff.length > 0 ? `<br>${escapeHtml(node)} cut off from ${escapeHtml(cutOff.join(", "))}` : "";
          return `${band.kind} ${seconds(band.startMs)}–${seconds(band.endMs)} s<br>${escapeHtml(band.detail)}${who}`;
        }
        const [at, latency, index] = item.value as [number, number, number];
        if (item.seriesName === SERIES.marked) {
          const op = marked[-1 - index]!;
          return `counterexample: ${escapeHtml(describeEvidenceOp(op))} by process ${op.process} on ${escapeHtml(op.node)} at ${at} s, ${latency} ms`;
        }
        return `${escapeHtml(ops.names[ops.f[index]!] ?? "?")} by process ${ops.process[index]} at ${at} s: ${item.seriesName}, ${latency} ms`;
      },
    },
    grid: [
      { top: 40, height: 260, left: 70, right: 30 },
      { top: 340, height: timelineHeight, left: 70, right: 30 },
      { top: 380 + timelineHeight, height: 110, left: 70, right: 30 },
    ],
    xAxis: [xAxis(0), xAxis(1), xAxis(2, "time since the main phase began")],
    yAxis: [
      { type: "log", gridIndex: 0, name: "latency (ms)", min: 0.01 },
      { type: "category", gridIndex: 1, data: nodes.length > 0 ? nodes : ["(no faults)"], inverse: true },
      { type: "value", gridIndex: 2, name: "completions/s", minInterval: 1 },
    ],
    dataZoom: [
      { type: "inside", xAxisIndex: [0, 1, 2], filterMode: "none" },
      { type: "slider", xAxisIndex: [0, 1, 2], filterMode: "none", bottom: 4, height: 18 },
    ],
    series: [
      { id: SERIES_IDS.faults[0], name: SERIES.faults, type: "custom", xAxisIndex: 0, yAxisIndex: 0, renderItem: bandItem, data: plot.faults.map((b, i) => [seconds(b.startMs), seconds(b.endMs), i]), z: 0 },
      ...SCATTER_OUTCOMES.map(
        (outcome, i): ScatterSeriesOption => ({
          id: SERIES_IDS.points[i],
          name: outcome,
          type: "scatter",
          xAxisIndex: 0,
          yAxisIndex: 0,
          data: byOutcome[outcome],
          symbolSize: 4,
          itemStyle: { color: OUTCOME_COLOURS[outcome] },
          large: true,
          largeThreshold: 2000,
          z: 2,
        }),
      ),
      // The counterexample's operations, over their points: where in the run the violation happened.
      ...(marked.length > 0
        ? [
            {
              id: SERIES_IDS.marked[0],
              name: SERIES.marked,
              type: "scatter" as const,
              xAxisIndex: 0,
              yAxisIndex: 0,
              data: marked.map((op) => [seconds(op.startUs / 1000), Math.max(0.01, ((op.endUs ?? op.startUs) - op.startUs) / 1000), -1 - marked.indexOf(op)]),
              symbol: "diamond",
              symbolSize: 11,
              itemStyle: { color: "#000", borderColor: "#fff", borderWidth: 1 },
              z: 5,
            } satisfies ScatterSeriesOption,
          ]
        : []),
      { name: SERIES.timeline, type: "custom", xAxisIndex: 1, yAxisIndex: 1, renderItem: timelineItem, data: timeline },
      ...(["ok", "fail", "info"] as const).map(
        (outcome): LineSeriesOption => ({
          id: `rate:${outcome}`,
          name: outcome,
          type: "line",
          xAxisIndex: 2,
          yAxisIndex: 2,
          data: rate(plot.throughput[outcome]),
          showSymbol: false,
          step: "end",
          lineStyle: { width: 1.5 },
          itemStyle: { color: OUTCOME_COLOURS[outcome] },
        }),
      ),
      // Legend entries for the fault kinds (no data of their own).
      ...[...new Set(plot.faults.map((b) => b.kind))].map((kind): ScatterSeriesOption => ({ name: kind, type: "scatter", data: [], itemStyle: { color: faultColour(kind) } })),
    ],
  };
  return { option, heightPx: 380 + timelineHeight + 110 + 60 };
}

const sameOp = (a: EvidenceOp, b: EvidenceOp | null) => b !== null && a.process === b.process && a.startUs === b.startUs;

export function lanesOption(ops: EvidenceOp[], impossible: EvidenceOp | null): Option {
  const processes = [...new Set(ops.map((o) => o.process))].sort((a, b) => a - b);
  const lastUs = Math.max(...ops.map((o) => o.endUs ?? o.startUs));
  const firstUs = Math.min(...ops.map((o) => o.startUs));
  const ms = (us: number) => Math.round((us - firstUs) / 10) / 100;
  const data = ops.map((op, i) => [ms(op.startUs), ms(op.endUs ?? lastUs), processes.indexOf(op.process), i]);
  const item: CustomSeriesRenderItem = (_params, api) => {
    const op = ops[api.value(3) as number]!;
    const bad = sameOp(op, impossible);
    const colour = bad ? OUTCOME_COLOURS.fail : op.type === "ok" ? OUTCOME_COLOURS.ok : OUTCOME_COLOURS.info;
    // Room above the bar for its label.
    const shape = rowBar(api, api.value(0) as number, api.value(1) as number, api.value(2) as number, 0.4, 0.15);
    return {
      type: "group",
      children: [
        { type: "rect", shape, style: { fill: colour, opacity: op.type === "ok" ? 0.9 : 0.5, stroke: bad ? "#000" : undefined, lineWidth: bad ? 2 : 0 } },
        // The label sits above the bar: most operations are far shorter than the window.
        { type: "text", x: shape.x, y: shape.y - 2, style: { text: `${describeEvidenceOp(op)} on ${op.node}${bad ? "  ✗ impossible" : op.endUs === null ? " (no reply)" : ""}`, fill: bad ? OUTCOME_COLOURS.fail : "#1d2430", font: `${bad ? "bold " : ""}12px sans-serif`, verticalAlign: "bottom" } },
      ],
    };
  };
  const option: Option = {
    animation: false,
    tooltip: {
      trigger: "item",
      formatter: (p) => {
        const item = Array.isArray(p) ? p[0]! : p;
        const op = ops[(item.value as number[])[3]!]!;
        return `process ${op.process} on ${escapeHtml(op.node)}: ${escapeHtml(describeEvidenceOp(op))} (${op.type}), ${ms(op.startUs)}–${op.endUs === null ? "no reply" : `${ms(op.endUs)} ms`}`;
      },
    },
    grid: { top: 10, bottom: 40, left: 90, right: 20 },
    xAxis: { type: "value", name: "ms after the first operation shown", nameLocation: "middle", nameGap: 26, min: 0 },
    yAxis: { type: "category", data: processes.map((p) => `process ${p}`), inverse: true },
    series: [{ id: SERIES_IDS.lanes[0], name: "counterexample", type: "custom", renderItem: item, data }],
  };
  return option;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
