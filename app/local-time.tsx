"use client";
// A moment in the reader's own time zone, with UTC on hover. The server cannot
// know the reader's zone, so it renders UTC (formatDateTime) and the browser
// rewrites the text once the page is live; without JavaScript the UTC text
// stays, which is still right. The machine-readable instant is in dateTime.
import { useEffect, useState } from "react";
import { formatDateTime } from "./format";

/** "1 Dec 2026, 16:02 CET": day, month, year, time and the zone's name, in the browser's zone. */
export function formatLocalDateTime(date: Date, timeZone?: string): string {
  return new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short", timeZone }).format(date);
}

/**
 * Whether the page is live in a browser (hydrated), so times may be shown in
 * the reader's zone. A table asks once for all its rows (timeOf), rather than
 * rendering a LocalTime, a component with its own state, per row: on a board
 * of fifty rows those cost about 0.4 of the 9.7 ms of server CPU a view took
 * (bench/web-load.ts).
 */
export function useIsLive(): boolean {
  const [live, setLive] = useState(false);
  useEffect(() => setLive(true), []);
  return live;
}

/** The <time> element: UTC on the server and until `live`, then the reader's zone (UTC on hover). */
export function timeOf(date: Date | string, live: boolean, prefix = "") {
  const instant = typeof date === "string" ? new Date(date) : date;
  const utc = formatDateTime(instant);
  return (
    <time dateTime={instant.toISOString()} title={utc} data-local={live ? "true" : undefined}>
      {prefix}
      {live ? formatLocalDateTime(instant) : utc}
    </time>
  );
}

export function LocalTime({ date, prefix = "" }: { date: Date | string; prefix?: string }) {
  return timeOf(date, useIsLive(), prefix);
}
