// The README's first command: safe to run twice, a missing prerequisite
// gives a clear message rather than a stack trace, and the runner it starts is
// one process that its PID file stops.
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { createDb } from "../../lib/db.js";
import { createMigratedDatabase } from "../support/databases.js";

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

describe("the runner as infra/up starts it", () => {
  it("is one process: stopping the PID in var/run/runner.pid stops the runner, and a restart under the same id starts afresh", async () => {
    const database = await createMigratedDatabase("runner-pid");
    const dir = await mkdtemp(path.join(os.tmpdir(), "labgrade-runner-"));
    const runnerId = `pid-test-${process.pid}-${Date.now()}`;
    const env = {
      ...process.env,
      LABGRADE_VAR: dir,
      DATABASE_URL: database.url,
      LABGRADE_QUEUE_PREFIX: `test-runner-pid-${process.pid}`,
      LABGRADE_RUNNER_ID: runnerId,
    };
    const db = createDb(database.url);
    const startedAt = async () => (await db.runner.findUnique({ where: { id: runnerId } }))?.startedAt ?? null;
    const start = () => run("bash", ["-c", `. "${ROOT}/infra/lib.sh"; start_runner`], { env, cwd: ROOT });
    // Every process of this runner (it and any child it left), by the id in its environment.
    const holding = async () => {
      const pids: number[] = [];
      for (const line of (await run("ps", ["-eo", "pid="])).stdout.split("\n")) {
        const pid = Number(line.trim());
        if (pid && (await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "")).includes(`LABGRADE_RUNNER_ID=${runnerId}`)) pids.push(pid);
      }
      return pids;
    };
    // Gone for good: no process of it left, and the runner's own PID reaped (a zombie still answers kill -0).
    const stopped = async (pid: number) => {
      for (let i = 0; i < 100; i++) {
        const reaped = await readFile(`/proc/${pid}/stat`, "utf8").then(() => false, () => true);
        if (reaped && (await holding()).length === 0) return true;
        await new Promise((r) => setTimeout(r, 200));
      }
      return false;
    };
    try {
      let first: Date | null = null;
      for (const round of [1, 2]) {
        const said = (await start()).stdout;
        const pid = Number((await readFile(path.join(dir, "run/runner.pid"), "utf8")).trim());
        // Up: its heartbeat row appears (a new start each round).
        for (let i = 0; i < 150 && (await startedAt())?.getTime() === first?.getTime(); i++) await new Promise((r) => setTimeout(r, 200));
        const now = await startedAt();
        const log = () => readFile(path.join(dir, "log/runner.log"), "utf8").catch(() => "(no log)");
        expect(now, `round ${round}: the runner never heartbeat: ${await log()}`).not.toBeNull();
        if (first) expect(now!.getTime(), `a restart under the same id keeps its old startedAt: ${said} ${await log()}`).toBeGreaterThan(first.getTime());
        first = now;
        // The PID is the runner itself, not a wrapper that starts it as a child: one process, that one.
        expect((await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0")).toEqual(expect.arrayContaining(["runner/main.ts"]));
        expect(await holding(), "the runner runs as more than the process in its PID file").toEqual([pid]);
        process.kill(pid, "SIGTERM");
        expect(await stopped(pid), `the runner (pid ${pid}) or a process it started still runs after SIGTERM to that PID: ${(await holding()).join(", ")}`).toBe(true);
      }
    } finally {
      for (const pid of await holding()) process.kill(pid, "SIGKILL");
      await db.$disconnect();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

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
