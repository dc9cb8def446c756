// Moments in messages the domain writes for people ("the due date must be
// after the lab's own, 1 Dec 2026, 17:00 UTC"): UTC, since a message is the
// same for every reader; pages show moments in the reader's zone (app/local-time.tsx).
const minuteUtc = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });

/** "1 Dec 2026, 17:00 UTC". */
export function readableUtc(date: Date): string {
  return `${minuteUtc.format(date)} UTC`;
}
