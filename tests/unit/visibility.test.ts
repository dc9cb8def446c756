import { describe, expect, it } from "vitest";
import { isShown } from "../../lib/submissions/visibility.js";

describe("the visibility rule", () => {
  const student = { staff: false, released: false, deadlinePassed: false };
  it.each([
    ["always", student, true],
    ["after_due", student, false],
    ["after_due", { ...student, deadlinePassed: true }, true],
    ["hidden", { ...student, deadlinePassed: true }, false],
    ["hidden", { ...student, released: true }, true],
    ["after_due", { ...student, released: true }, true],
    ["hidden", { ...student, staff: true }, true],
  ] as const)("a %s result, %o: shown %s", (visibility, state, shown) => {
    expect(isShown(visibility, state)).toBe(shown);
  });
});
