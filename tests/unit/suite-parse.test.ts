import { describe, expect, it } from "vitest";
import { BUILTIN_LABS } from "../../lib/labs/builtin.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";

describe("suite documents", () => {
  it("fills defaults for a minimal test", () => {
    const parsed = parseSuite("tests:\n  - name: basic\n    workload: echo\n");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.spec.tests[0]).toMatchObject({ name: "basic", nodes: 3, repetitions: 1, visibility: "always", points: 1 });
    expect(parsed.sourceHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("names the line of a bad value", () => {
    const parsed = parseSuite(["version: 1", "tests:", "  - name: ok-test", "    workload: echo", "    nodes: 99", ""].join("\n"));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]).toMatchObject({ line: 5, path: "tests.0.nodes" });
  });

  it("names the line of an unknown workload", () => {
    const parsed = parseSuite("tests:\n  - name: t\n    workload: raft-magic\n");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors[0]).toMatchObject({ line: 3, path: "tests.0.workload" });
  });

  it("reports YAML syntax errors with their line", () => {
    const parsed = parseSuite("tests:\n  - name: t\n   workload: [echo\n");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors[0]!.line).not.toBeNull();
  });

  it("refuses a YAML alias bomb as a problem at the line of its first alias, without expanding it", () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(",")}]`);
    const parsed = parseSuite([...lines, "tests:", "  - name: t", "    workload: echo", ""].join("\n"));
    expect(parsed).toEqual({ ok: false, errors: [{ line: 2, path: "", message: expect.stringContaining("more than 100 times over") }] });
  });

  it("keeps ordinary aliases, and names an alias without an anchor", () => {
    const reused = parseSuite(
      [
        "tests:",
        "  - name: a",
        "    workload: broadcast",
        "    faults: &cut",
        "      - { kind: partition, at: 2, mode: halves }",
        "      - { kind: heal, at: 5 }",
        "  - name: b",
        "    workload: broadcast",
        "    faults: *cut",
        "",
      ].join("\n"),
    );
    expect(reused.ok, JSON.stringify(reused)).toBe(true);
    if (reused.ok) expect(reused.spec.tests[1]!.faults).toEqual(reused.spec.tests[0]!.faults);
    const missing = parseSuite("tests:\n  - name: t\n    workload: *nowhere\n");
    expect(missing).toEqual({ ok: false, errors: [{ line: 3, path: "", message: "the alias *nowhere names no anchor (&nowhere) set before it" }] });
  });

  it("accepts JSON too", () => {
    expect(parseSuite('{"tests":[{"name":"j","workload":"echo"}]}').ok).toBe(true);
  });

  it.each(BUILTIN_LABS.map((l) => [l.slug, l.suiteSource] as const))("the built-in %s suite is valid", (_slug, source) => {
    expect(parseSuite(source).ok).toBe(true);
  });
});
