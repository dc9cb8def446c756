// The CLI's upload progress bar: filled in proportion, percent floored (100 % only when done), sizes in the unit the total reads best in.
import { describe, expect, it } from "vitest";
import { progressBar } from "../../lib/cli/labgrade.js";

const MiB = 1024 * 1024;

describe("progressBar", () => {
  it("fills in proportion and says how much of how much", () => {
    expect(progressBar(0, 4 * MiB, 8)).toBe("[--------]   0%  0.0 of 4.0 MiB");
    expect(progressBar(1 * MiB, 4 * MiB, 8)).toBe("[##------]  25%  1.0 of 4.0 MiB");
    expect(progressBar(4 * MiB, 4 * MiB, 8)).toBe("[########] 100%  4.0 of 4.0 MiB");
  });

  it("says a small upload in KiB or bytes, never 0.0 of 0.0 MiB", () => {
    expect(progressBar(512, 3 * 1024, 8)).toBe("[#-------]  16%  0.5 of 3.0 KiB");
    expect(progressBar(300, 763, 8)).toBe("[###-----]  39%  300 of 763 B");
    expect(progressBar(0, 0, 8)).toBe("[########] 100%  0 of 0 B");
  });

  it("shows 99 % until the last byte, and never more than full", () => {
    expect(progressBar(4 * MiB - 1, 4 * MiB, 8)).toContain(" 99%");
    expect(progressBar(5 * MiB, 4 * MiB, 8)).toMatch(/^\[########\] 100%/);
    expect(progressBar(0, 0, 8)).toMatch(/^\[########\] 100%/);
  });
});
