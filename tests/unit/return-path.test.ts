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

describe("safeReturnPath against the site's own URL", () => {
  const site = new URL("http://127.0.0.1:3000");
  it.each([
    // Browsers drop tabs and newlines from URLs: "/\t/host" is "//host".
    ["a tab between the slashes", "/\t/127.0.0.1:3999/x"],
    ["a newline between the slashes", "/\n/127.0.0.1:3999/x"],
    ["a carriage return between the slashes", "/\r/127.0.0.1:3999/x"],
    ["a tab before a backslash", "/\t\\127.0.0.1:3999/x"],
    ["a backslash after the slash", "/\\/127.0.0.1:3999/x"],
    ["two backslashes", "\\\\127.0.0.1:3999/x"],
    ["a dot segment before a second slash", "/.//127.0.0.1:3999/x"],
    ["dot segments climbing above the root", "/../..//127.0.0.1:3999/x"],
    ["an absolute URL on another port", "http://127.0.0.1:3999/x"],
    ["a leading space and two slashes", " //127.0.0.1:3999/x"],
    ["a data: URL", "data:text/html,hi"],
    ["something very long", `/${"a".repeat(2100)}`],
  ])("falls back to / for %s", (_name, value) => {
    expect(safeReturnPath(value, site)).toBe("/");
  });

  it("keeps paths on the site, resolved as the browser would", () => {
    expect(safeReturnPath("/courses/demo-ds/../demo-ds/labs?x=1#y", site)).toBe("/courses/demo-ds/labs?x=1#y");
    expect(safeReturnPath("/invite/abc\tdef", site)).toBe("/invite/abcdef");
    expect(safeReturnPath("/a\\b", site)).toBe("/a/b");
  });
});
