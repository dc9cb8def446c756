// The controller program as the image runs it: bundled by esbuild
// (sandbox/images/bundle-programs.ts) and started as its own process with the
// spec in LABGRADE_TEST, it runs a course test against toy peer hosts over
// loopback TCP, asks for faults on its stdout, reads the answers on its stdin
// and leaves a whole record with the verdict.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleSandboxPrograms } from "../../sandbox/images/bundle-programs.js";
import { checkRecord, type ControllerLine } from "../../sandbox/programs/controller/spec.js";
import { ToyControlServers, ToyRaftCluster, ToyRunner } from "../support/toy-raft.js";

let dir: string;
let controller: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "raft-controller-"));
  controller = join(dir, "controller.js");
  writeFileSync(controller, (await bundleSandboxPrograms()).get("controller.js")!);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the bundled controller with the raft driver", () => {
  it("runs TestFailAgree3B as a process: faults over its stdout and stdin, a whole record with a pass", async () => {
    const toy = new ToyRaftCluster(3);
    const servers = new ToyControlServers(toy);
    const addresses = await servers.listen();
    const recordPath = join(dir, "record.jsonl");
    const spec = {
      driver: "raft",
      raft: { test: "TestFailAgree3B", controlAddresses: addresses, timeScale: 0.05, faultTimeoutMs: 5000 },
      workload: "raft",
      protocol: "native",
      nodeIds: ["n0", "n1", "n2"],
      concurrency: 1,
      ratePerSecond: 1,
      durationMs: 1,
      seed: "9",
      recordPath,
    };
    const child = spawn(process.execPath, [controller], { env: { ...process.env, LABGRADE_TEST: JSON.stringify(spec) }, stdio: ["pipe", "pipe", "pipe"] });
    const runner = new ToyRunner(child.stdout, child.stdin, servers);
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    servers.close();
    expect(code, stderr).toBe(0);
    const lines = readFileSync(recordPath, "utf8").trim().split("\n").map((l) => JSON.parse(l) as ControllerLine);
    expect(checkRecord(lines)).toBeNull();
    expect(lines[0]).toMatchObject({ header: { driver: "raft", test: "TestFailAgree3B", seed: "9" } });
    expect(lines.find((l) => "verdict" in l)).toMatchObject({ verdict: { pass: true, test: "TestFailAgree3B" } });
    expect(runner.asked.map((f) => `${f.kind} ${f.node}`)).toEqual(["disconnect n1", "connect n1"]);
    expect(lines.find((l) => "done" in l)).toMatchObject({ done: { operations: expect.any(Number) as number } });
  }, 60_000);
});
