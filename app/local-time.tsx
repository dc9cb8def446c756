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

export function LocalTime({ date, prefix = "" }: { date: Date | string; prefix?: string }) {
  const instant = typeof date === "string" ? new Date(date) : date;
  const utc = formatDateTime(instant);
  const [local, setLocal] = useState<string | null>(null);
  const ms = instant.getTime();
  useEffect(() => setLocal(formatLocalDateTime(new Date(ms))), [ms]);
  return (
    <time dateTime={instant.toISOString()} title={utc} data-local={local === null ? undefined : "true"}>
      {prefix}
      {local ?? utc}
    </time>
  );
}
