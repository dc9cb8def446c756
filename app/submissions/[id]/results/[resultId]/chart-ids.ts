// Ids of the report charts' series that RunCharts counts once drawn (its
// data-points, data-fault-bands and data-operations attributes). Apart from
// run-charts-options.ts so that the page's first load does not pull ECharts.
export const SERIES_IDS = { points: ["points:ok", "points:declined", "points:fail", "points:info"], faults: ["faults"], lanes: ["counterexample"], marked: ["marked"] } as const;
