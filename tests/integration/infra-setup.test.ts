// The README's first command: safe to run twice, and a missing prerequisite
// gives a clear message rather than a stack trace.
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

async function imageIds(): Promise<Record<string, string>> {
  const docker = new Docker();
  const ids: Record<string, string> = {};
  for (const name of ["base", "go", "python", "node"]) ids[name] = (await docker.getImage(`labgrade/${name}:latest`).inspect()).Id;
  return ids;
}

/** Runs one function of infra/lib.sh with stub commands first on PATH. */
async function runLibFunction(fn: string, stubs: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "labgrade-infra-"));
  try {
    for (const [name, body] of Object.entries(stubs)) {
      await writeFile(path.join(dir, name), `#!/bin/sh\n${body}\n`);
      await chmod(path.join(dir, name), 0o755);
    }
    const script = `. "${ROOT}/infra/lib.sh"; ${fn}`;
    try {
      const { stdout, stderr } = await run("bash", ["-c", script], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, LABGRADE_VAR: path.join(dir, "var") },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("infra/up", () => {
  it("a second run finds everything done and changes nothing", async () => {
    const before = await imageIds();
    const { stdout } = await run(path.join(ROOT, "infra/up"), ["--no-start"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    for (const expected of [
      "npm dependencies up to date",
      "Prisma client up to date",
      "PostgreSQL 15 main already running",
      "Redis already running",
      "Docker engine already running",
      "database schema is up to date",
      "demo course is up to date",
      "web build up to date",
    ]) {
      expect(stdout).toContain(expected);
    }
    expect(stdout).not.toMatch(/debootstrap|importing into the Docker engine|applied \d/);
    expect(await imageIds()).toEqual(before);
  });

  it("says clearly when the Docker engine cannot start, and how to fix it", async () => {
    const result = await runLibFunction("start_docker", {
      dpkg: "exit 0", // every package counts as installed
      docker: "exit 1", // no engine answers
      dockerd: 'echo "failed to start daemon: Devices cgroup isn\'t mounted" >&2; exit 1',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("FAILED: the Docker engine did not start");
    expect(result.stderr).toContain("how to fix:");
    expect(result.stderr).toContain("Devices cgroup isn't mounted"); // the engine's own words are shown
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it("says clearly when it is not run as root", async () => {
    const result = await runLibFunction("need_root", { id: "echo 1000" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/FAILED: this needs root.*\n {2}how to fix: run it as root/);
  });
});
