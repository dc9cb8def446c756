import { describe, expect, it } from "vitest";
import { daysLate, scoreAfterLatePolicy } from "../../lib/grading/late-policy.js";

const due = new Date("2026-11-10T12:00:00Z");
const at = (hours: number) => new Date(due.getTime() + hours * 3600_000);
const penalty = { latePolicy: "PENALTY_PER_DAY", latePenaltyPerDay: 0.25 };

describe("the late policy", () => {
  it("counts started days after the due date", () => {
    expect(daysLate(at(-1), due)).toBe(0);
    expect(daysLate(at(0), due)).toBe(0);
    expect(daysLate(at(0.1), due)).toBe(1);
    expect(daysLate(at(24), due)).toBe(1);
    expect(daysLate(at(24.1), due)).toBe(2);
    expect(daysLate(at(100), null)).toBe(0);
  });

  it.each([
    ["on time", -5, 1],
    ["one started day late", 3, 0.75],
    ["two days late", 30, 0.5],
    ["past zero", 24 * 10, 0],
  ])("takes the penalty per started day: %s", (_what, hours, expected) => {
    expect(scoreAfterLatePolicy(1, penalty, at(hours), due)).toBeCloseTo(expected, 10);
  });

  it("takes nothing under the other policies", () => {
    expect(scoreAfterLatePolicy(0.8, { latePolicy: "ACCEPT", latePenaltyPerDay: 0.5 }, at(48), due)).toBe(0.8);
  });
});
