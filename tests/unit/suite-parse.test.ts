import { describe, expect, it } from "vitest";
import { ALL_BUILTIN_LABS } from "../../lib/labs/builtin.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { isRaftTest, type TestSpec, type WorkloadTestSpec } from "../../lib/suites/schema.js";

function workloadTest(test: TestSpec): WorkloadTestSpec {
  if (isRaftTest(test)) throw new Error(`${test.name} is a Raft test`);
  return test;
}

describe("suite documents", () => {
  it("fills defaults for a minimal test", () => {
    const parsed = parseSuite("tests:\n  - name: basic\n    workload: echo\n");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.spec.tests[0]).toMatchObject({ name: "basic", nodes: 5, repetitions: 1, visibility: "always", points: 1 });
    expect(parsed.sourceHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("fills what a test does not say with Maelstrom's defaults", () => {
    const parsed = parseSuite("tests:\n  - name: ids\n    workload: unique-ids\n  - name: gossip\n    workload: broadcast\n  - name: small\n    workload: g-counter\n    nodes: 2\n");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [ids, gossip, small] = parsed.spec.tests.map(workloadTest);
    // --node-count 5 (Jepsen's five nodes), --concurrency 1n, --rate 5, --time-limit 60, 5 s client timeout, --latency 0.
    expect(ids).toMatchObject({ nodes: 5, concurrency: 5, rate: 5, durationSeconds: 60, requestTimeoutSeconds: 5, faults: [] });
    expect(ids).not.toHaveProperty("latency");
    // Maelstrom sleeps 10 s before the final reads of workloads that have them, and has no wait for the others.
    expect(ids!.recoverySeconds).toBe(0);
    expect(gossip).toMatchObject({ recoverySeconds: 10, topology: "grid" });
    // 1n follows the test's own node count.
    expect(small).toMatchObject({ nodes: 2, concurrency: 2, recoverySeconds: 10 });
  });

  it("keeps what a test says over the defaults, a zero recovery included", () => {
    const parsed = parseSuite("tests:\n  - name: b\n    workload: broadcast\n    nodes: 3\n    concurrency: 6\n    recoverySeconds: 0\n");
    expect(parsed.ok && parsed.spec.tests[0]).toMatchObject({ nodes: 3, concurrency: 6, recoverySeconds: 0 });
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
    if (reused.ok) expect(workloadTest(reused.spec.tests[1]!).faults).toEqual(workloadTest(reused.spec.tests[0]!).faults);
    const missing = parseSuite("tests:\n  - name: t\n    workload: *nowhere\n");
    expect(missing).toEqual({ ok: false, errors: [{ line: 3, path: "", message: "the alias *nowhere names no anchor (&nowhere) set before it" }] });
  });

  it("accepts JSON too", () => {
    expect(parseSuite('{"tests":[{"name":"j","workload":"echo"}]}').ok).toBe(true);
  });

  it.each(ALL_BUILTIN_LABS.flatMap((l) => [[l.slug, l.suiteSource] as const, ...(l.shortSuiteSource ? [[`${l.slug} short`, l.shortSuiteSource] as const] : [])]))("the built-in %s suite is valid", (_slug, source) => {
    expect(parseSuite(source).ok).toBe(true);
  });
});

describe("suite documents refuse what they do not understand", () => {
  const problems = (source: string) => {
    const parsed = parseSuite(source);
    if (parsed.ok) throw new Error("the suite was accepted");
    return parsed.errors.map((e) => `${e.line}: ${e.message}`);
  };

  it.each([
    ["a misspelled test setting", "tests:\n  - name: t\n    workload: echo\n    fualts:\n      - { kind: partition, at: 1, mode: halves }\n", "4: `fualts` is not a setting of an echo test; did you mean `faults`?"],
    ["a misspelled fault setting", "tests:\n  - name: t\n    workload: echo\n    faults:\n      - kind: partition\n        at: 1\n        mode: halves\n        nod: n1\n", "8: `nod` is not a setting of a partition fault; did you mean `node`?"],
    ["a misspelled latency setting", "tests:\n  - name: t\n    workload: echo\n    latency:\n      ms: 100\n      distrbution: exponential\n", "6: `distrbution` is not a latency setting; did you mean `distribution`?"],
    ["a value a shaping step does not take", "tests:\n  - name: t\n    workload: echo\n    faults:\n      - kind: duplicate\n        at: 1\n        ms: 5\n", "7: `ms` is not a setting of a duplicate fault (known: kind, at, percent, node, from, to)"],
    ["a misspelled top-level key", "version: 1\ntets:\n  - name: t\n    workload: echo\n", "2: `tets` is not a suite setting (the document has version and tests); did you mean `tests`?"],
    ["another workload's setting", "tests:\n  - name: t\n    workload: echo\n    keyCount: 3\n", "4: `keyCount` is not a setting of an echo test (it is a setting of lin-kv and kafka tests)"],
    ["a workload setting in the wrong case", "tests:\n  - name: t\n    workload: lin-kv\n    keycount: 3\n", "4: `keycount` is not a setting of a lin-kv test; did you mean `keyCount`?"],
  ])("refuses %s, at its line, with the nearest known key", (_what, source, expected) => {
    expect(problems(source)).toContain(expected);
  });

  it.each([
    ["an unknown fault kind", "tests:\n  - name: t\n    workload: echo\n    faults:\n      - { kind: partishun, at: 1 }\n", /^5: the kind must be one of partition, heal, loss, bandwidth, kill, restart, pause, resume, delay, jitter, reorder, duplicate$/],
    ["a number out of range", "tests:\n  - name: t\n    workload: echo\n    nodes: 99\n", /^4: nodes must be at most 25 \(it is 99\)$/],
    ["text where a number goes", "tests:\n  - name: t\n    workload: echo\n    durationSeconds: 5s\n", /^4: durationSeconds must be a number \(it is "5s"\)$/],
    ["a value outside its choices", "tests:\n  - name: t\n    workload: echo\n    visibility: secret\n", /^4: visibility must be one of always, after_due, hidden \(it is "secret"\)$/],
    ["a badly formed name", "tests:\n  - name: T t\n    workload: echo\n", /^2: name must be lowercase letters, digits and dashes, starting with a letter or digit \(it is "T t"\)$/],
    ["no tests", "tests: []\n", /^1: a suite needs at least one test$/],
    ["an unknown latency distribution", "tests:\n  - name: t\n    workload: echo\n    latency: {ms: 100, distribution: normal}\n", /^4: distribution must be one of constant, uniform, exponential \(it is "normal"\)$/],
    ["a link with one end", "tests:\n  - name: t\n    workload: echo\n    faults:\n      - {kind: delay, at: 1, ms: 50, from: n0}\n", /^5: a one-way link needs both from and to$/],
    ["a link and a node at once", "tests:\n  - name: t\n    workload: echo\n    faults:\n      - {kind: jitter, at: 1, node: n1, from: n0, to: n2}\n", /^5: give node \(all of one node's packets\) or from and to \(one way between two nodes\), not both$/],
    ["a link from a node to itself", "tests:\n  - name: t\n    workload: echo\n    faults:\n      - {kind: reorder, at: 1, from: n1, to: n1}\n", /^5: from and to must be two different nodes \(both are n1\)$/],
    ["a node the test does not have", "tests:\n  - name: t\n    workload: echo\n    nodes: 3\n    faults:\n      - {kind: kill, at: 1, node: n3}\n", /^6: n3 is not one of this test's nodes \(n0 to n2\)$/],
    ["a latency past its bound", "tests:\n  - name: t\n    workload: echo\n    latency: {ms: 60000}\n", /^4: ms must be at most 5000 \(it is 60000\)$/],
  ])("says in plain words what is wrong with %s", (_what, source, expected) => {
    expect(problems(source).some((p) => expected.test(p)), problems(source).join("\n")).toBe(true);
  });
});

describe("latency and shaping steps", () => {
  it("reads a test's latency (constant unless said) and shaping steps per node and per link", () => {
    const parsed = parseSuite(
      [
        "tests:",
        "  - name: t",
        "    workload: broadcast",
        "    nodes: 3",
        "    latency: {ms: 100}",
        "    faults:",
        "      - {kind: delay, at: 1, ms: 50, node: n1}",
        "      - {kind: reorder, at: 2, percent: 20, from: n0, to: n2}",
        "      - {kind: duplicate, at: 3, percent: 5, node: random}",
        "",
      ].join("\n"),
    );
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    if (!parsed.ok) return;
    const test = workloadTest(parsed.spec.tests[0]!);
    expect(test.latency).toEqual({ ms: 100, distribution: "constant" });
    expect(test.faults).toEqual([
      { kind: "delay", at: 1, ms: 50, node: "n1" },
      { kind: "reorder", at: 2, percent: 20, from: "n0", to: "n2" },
      { kind: "duplicate", at: 3, percent: 5, node: "random" },
    ]);
  });

  it("reads a Raft test by the course's name, and refuses a misspelled one or a setting the course's test fixes", () => {
    const parsed = parseSuite(["tests:", "  - name: figure8", "    raft: TestFigure8Unreliable3C", "    points: 5", "    repetitions: 3", ""].join("\n"));
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.spec.tests[0]).toEqual({ name: "figure8", workload: "raft", raft: "TestFigure8Unreliable3C", points: 5, repetitions: 3, visibility: "always" });

    const misspelled = parseSuite(["tests:", "  - name: figure8", "    raft: TestFigure8Unreliabel3C", ""].join("\n"));
    expect(misspelled.ok).toBe(false);
    if (!misspelled.ok) {
      expect(misspelled.errors[0]).toMatchObject({ line: 3 });
      expect(misspelled.errors[0]!.message).toContain("TestFigure8Unreliable3C");
    }
    const fixed = parseSuite(["tests:", "  - name: figure8", "    raft: TestFigure83C", "    nodes: 7", ""].join("\n"));
    expect(fixed.ok).toBe(false);
    if (!fixed.ok) expect(fixed.errors.map((e) => e.message).join(" ")).toBe("`nodes` is not a setting of a Raft test (the course's test fixes its servers, faults and times) (known: name, raft, points, visibility, repetitions, seed)");
  });
});
