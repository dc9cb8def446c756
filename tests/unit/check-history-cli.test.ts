import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT, main } from "../../lib/checkers/cli.js";
import { history, type OpSpec } from "./history-fixture.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "labgrade-check-history-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const write = (value: number, from: number): OpSpec => ({ f: "write", value: [0, value], from });
const read = (value: number, from: number): OpSpec => ({ f: "read", value: [0, null], result: [0, value], from });
const staleHistory = history(write(1, 0), write(2, 10), read(1, 20));

async function file(name: string, content: string): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, content);
  return p;
}

function run(args: string[], stdin = "") {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(args, { out: (s) => out.push(s), err: (s) => err.push(s), stdin: () => stdin });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("check-history", () => {
  it("checks a stored history document with the workload it names, and exits 1 on FAIL", async () => {
    const p = await file("history.json", JSON.stringify({ format: "labgrade-history/1", seed: "42", test: { name: "kv", workload: "lin-kv", nodes: 3 }, events: staleHistory }));
    const { code, out, err } = run([p]);
    expect(err).toBe("");
    expect(code).toBe(EXIT.FAIL);
    expect(out).toMatch(/^FAIL {2}lin-kv test "kv" seed 42\nreason: key 0: .*explains the read of 1/);
    expect(out).toMatch(/ {2}read: 1 invoked, 1 ok, 0 fail, 0 indeterminate; latency p50 1 ms/);
    expect(out).toMatch(/evidence:\n {2}\{/);
  });

  it("prints the results document with --json, and reads JSON lines from standard input", () => {
    const lines = history(write(1, 0), read(1, 10)).map((e) => JSON.stringify({ event: e })).join("\n");
    const { code, out } = run(["-", "--workload", "lin-kv", "--json"], `${lines}\n{"stats":{"node":"n0"}}\n`);
    expect(code).toBe(EXIT.PASS);
    const doc = JSON.parse(out) as Record<string, unknown>;
    expect(doc).toMatchObject({ format: "labgrade-result/1", workload: "lin-kv", verdict: "PASS", metrics: { operations: 2, availability: 1 } });
  });

  it("exits 2 when a search outgrows --memory-mb", async () => {
    const ops: OpSpec[] = [];
    for (let i = 0; i < 20; i++) ops.push({ ...write(i, i), to: 1000 });
    ops.push({ ...read(99, 25), to: 900 });
    const p = await file("big.json", JSON.stringify(history(...ops)));
    const { code, out } = run([p, "--workload", "lin-kv", "--memory-mb", "1", "--budget-ms", "60000"]);
    expect(out).toMatch(/^UNKNOWN {2}lin-kv\nreason: could not decide linearizability within the 1 MB memory budget of a search/);
    expect(code).toBe(EXIT.UNKNOWN);
  });

  it("exits 2 when the search is undecided within --budget-ms", async () => {
    // 20 concurrent writes of distinct values and a concurrent read of a value
    // none wrote: refuting it means trying every subset of the writes (2^20).
    const ops: OpSpec[] = [];
    for (let i = 0; i < 20; i++) ops.push({ ...write(i, i), to: 1000 });
    ops.push({ ...read(99, 25), to: 900 });
    const p = await file("hard.json", JSON.stringify(history(...ops)));
    const { code, out } = run([p, "--workload", "lin-kv", "--budget-ms", "1"]);
    expect(out).toMatch(/^UNKNOWN {2}lin-kv\nreason: could not decide linearizability within the 1 ms budget/);
    expect(code).toBe(EXIT.UNKNOWN);
  });

  const bad: Array<{ name: string; args: (dir: string) => Promise<string[]>; code: number; message: RegExp }> = [
    { name: "no file", args: async () => [], code: EXIT.USAGE, message: /expected one history file, got 0\nusage: npm run check-history/ },
    { name: "a missing file", args: async (d) => [path.join(d, "nope.json")], code: EXIT.USAGE, message: /cannot read .*nope\.json: no such file/ },
    { name: "an unknown option", args: async () => ["x.json", "--wrkload", "echo"], code: EXIT.USAGE, message: /Unknown option '--wrkload'/ },
    { name: "a bad budget", args: async () => ["x.json", "--budget-ms", "soon"], code: EXIT.USAGE, message: /--budget-ms must be a whole number of milliseconds ≥ 1, got "soon"/ },
    { name: "a bad memory budget", args: async () => ["x.json", "--memory-mb", "0"], code: EXIT.USAGE, message: /--memory-mb must be a whole number of MB ≥ 1, got "0"/ },
    {
      name: "an operation the checker does not know, named by its event",
      args: async () => [await file("misspelled.json", JSON.stringify(history(write(1, 0), { f: "Read", value: [0, null], from: 10 }))), "--workload", "lin-kv"],
      code: EXIT.DATA,
      message: /misspelled\.json: event 2 \(invoke "Read" of process 1\): lin-kv has no operation "Read"/,
    },
    {
      name: "a cas whose argument is not a pair, named by its event",
      args: async () => [await file("cas.json", JSON.stringify(history(write(1, 0), { f: "cas", value: [0, 1], from: 10 }))), "--workload", "lin-kv"],
      code: EXIT.DATA,
      message: /cas\.json: event 2 \(invoke "cas" of process 1\): a cas's argument must be a pair \[from, to\], got 1/,
    },
    {
      name: "no workload anywhere",
      args: async () => [await file("bare.json", JSON.stringify(staleHistory))],
      code: EXIT.USAGE,
      message: /the history names no workload; pass --workload \(one of echo, lin-kv,/,
    },
    { name: "an unknown workload", args: async () => [await file("w.json", "[]"), "--workload", "paxos"], code: EXIT.USAGE, message: /no checker for workload "paxos"; known: echo/ },
    { name: "an empty file", args: async () => [await file("empty.json", "\n")], code: EXIT.DATA, message: /empty\.json is empty: expected a history/ },
    { name: "text that is not JSON", args: async () => [await file("text.json", "hello\nworld")], code: EXIT.DATA, message: /text\.json:1: not JSON/ },
    {
      name: "a document of another format",
      args: async () => [await file("other.json", JSON.stringify({ format: "jepsen", events: [] }))],
      code: EXIT.DATA,
      message: /other\.json: not a history document: format: .*labgrade-history\/1/,
    },
    {
      name: "an event with a bad type, named by its position",
      args: async () => [await file("event.json", JSON.stringify([staleHistory[0], { ...staleHistory[1], type: "done" }]))],
      code: EXIT.DATA,
      message: /event\.json: event 1: type: .*"invoke"\|"ok"\|"fail"\|"info"/,
    },
    {
      name: "a JSON-lines event with a missing field, named by its line",
      args: async () => [await file("lines.jsonl", `${JSON.stringify(staleHistory[0])}\n\n${JSON.stringify({ ...staleHistory[1], process: undefined })}\n`)],
      code: EXIT.DATA,
      message: /lines\.jsonl:3: process: /,
    },
  ];
  for (const c of bad) {
    it(`says what is wrong with ${c.name}, and exits ${c.code}`, async () => {
      const { code, out, err } = run(await c.args(dir));
      expect(err).toMatch(c.message);
      expect(err).toMatch(/^check-history: /);
      expect(out).toBe("");
      expect(code).toBe(c.code);
    });
  }

  it("runs compiled as the npm script, with its exit status, and never runs a stale bundle", async () => {
    const p = await file("script.json", JSON.stringify({ format: "labgrade-history/1", test: { workload: "lin-kv" }, events: staleHistory }));
    const buildDir = path.join(dir, "build");
    const env = { ...process.env, CHECK_HISTORY_BUILD_DIR: buildDir };
    const exec = (command: string, args: string[]) =>
      promisify(execFile)(command, args, { cwd: ROOT, env }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    // Never built: compiled first, and said so.
    const first = await exec("npm", ["run", "-s", "check-history", "--", p]);
    expect(first.stderr).toMatch(/^check-history: compiled the checker again \(it was never built\) in \d+ ms\n$/);
    expect(first.stdout).toMatch(/^FAIL {2}lin-kv/);
    expect(first.code).toBe(EXIT.FAIL);
    // Up to date: run as it is.
    const second = await exec("node", ["lib/checkers/check-history.mjs", p]);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(EXIT.FAIL);
    // A source that changed since (its recorded hash no longer matches): compiled again before running.
    const manifestPath = path.join(buildDir, "check-history.manifest.json");
    const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as { inputs: Record<string, string> };
    expect(Object.keys(manifest.inputs)).toEqual(expect.arrayContaining(["lib/checkers/cli.ts", "lib/checkers/lin-kv.ts", "package-lock.json"]));
    manifest.inputs["lib/checkers/lin-kv.ts"] = "0".repeat(64);
    await writeFile(manifestPath, JSON.stringify(manifest));
    const third = await exec("node", ["lib/checkers/check-history.mjs", p]);
    expect(third.stderr).toMatch(/^check-history: compiled the checker again \(lib\/checkers\/lin-kv\.ts changed since it was built\) in \d+ ms\n$/);
    expect(third.code).toBe(EXIT.FAIL);
    expect(JSON.parse(await readFile(manifestPath, "utf8"))).not.toEqual(manifest);
  });
});
