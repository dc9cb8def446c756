// How the pages show dates, scores, sizes and durations. The server renders
// dates in UTC (it cannot know the reader's time zone); <LocalTime>
// (local-time.tsx) shows them in the reader's zone once the page is live.
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const twoDigits = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * "2 Dec 2026, 02:42 UTC". Spelled out rather than asked of Intl: the same
 * text on the server and in every browser (ICU versions differ: "Sep" or
 * "Sept"), so hydration never finds it changed, and a board of fifty rows
 * formats fifty of them per view.
 */
export function formatDateTime(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${twoDigits(date.getUTCHours())}:${twoDigits(date.getUTCMinutes())} UTC`;
}

/** "0.5 / 1" with at most two decimals. */
export function formatScore(score: number | null, maxScore: number | null): string {
  if (score === null) return "—";
  const round = (n: number) => String(Math.round(n * 100) / 100);
  return maxScore === null ? round(score) : `${round(score)} / ${round(maxScore)}`;
}

export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** "1 hour", "30 minutes", "2 days" for a submission-limit window. */
export function formatWindow(seconds: number): string {
  const units: Array<[number, string]> = [
    [86_400, "day"],
    [3_600, "hour"],
    [60, "minute"],
  ];
  for (const [size, name] of units) {
    if (seconds % size === 0) {
      const n = seconds / size;
      return n === 1 ? `${name}` : `${n} ${name}s`;
    }
  }
  return `${seconds} seconds`;
}
