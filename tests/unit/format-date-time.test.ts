// The UTC text every page renders on the server for a moment (before the
// browser shows it in the reader's zone): the same on every machine.
import { describe, expect, it } from "vitest";
import { formatDateTime } from "../../app/format.js";

describe("formatDateTime", () => {
  it("writes day, month, year and the minute in UTC, whatever the process's own zone", () => {
    expect(formatDateTime(new Date("2026-12-02T02:42:36.494Z"))).toBe("2 Dec 2026, 02:42 UTC");
    expect(formatDateTime(new Date("2026-09-15T23:05:59.999Z"))).toBe("15 Sep 2026, 23:05 UTC");
    expect(formatDateTime(new Date("2027-01-01T00:00:00Z"))).toBe("1 Jan 2027, 00:00 UTC");
    // Just before midnight UTC is still that day, whatever zone the server runs in.
    expect(formatDateTime(new Date("2026-03-31T23:59:00Z"))).toBe("31 Mar 2026, 23:59 UTC");
  });
});
