// /signin?next=... must only ever lead back into this site.
import { describe, expect, it } from "vitest";
import { safeReturnPath } from "../../app/return-path.js";

describe("safeReturnPath", () => {
  it.each(["/", "/courses/demo-ds", "/courses/demo-ds/labs/echo?tab=mine", "/submissions/abc#results"])("keeps the site path %s", (path) => {
    expect(safeReturnPath(path)).toBe(path);
  });

  it.each([
    ["an absolute URL", "https://evil.example/"],
    ["a protocol-relative URL", "//evil.example/"],
    ["a backslash host", "/\\evil.example"],
    ["a relative path", "courses"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["nothing", undefined],
    ["a list", ["/a", "/b"]],
  ])("falls back to / for %s", (_name, value) => {
    expect(safeReturnPath(value)).toBe("/");
  });
});
