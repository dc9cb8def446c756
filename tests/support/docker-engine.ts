// Restarting the Docker engine for fault tests. Only an engine that infra/up
// started (its PID in var/run/dockerd.pid, and that process is dockerd) is
// ever stopped; it comes back through infra/lib.sh's start_docker, with the
// same flags and the host guard.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PID_FILE = path.join(ROOT, "var/run/dockerd.pid");

/** The engine's PID if infra/up started it, else why it may not be restarted. */
export async function ourDockerd(): Promise<{ pid: number } | { reason: string }> {
  let pid: number;
  try {
    pid = Number((await readFile(PID_FILE, "utf8")).trim());
  } catch {
    return { reason: `${PID_FILE} does not exist: the Docker engine was not started by infra/up, and another's engine is not ours to restart` };
  }
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
    if (path.basename(cmdline[0] ?? "") !== "dockerd") return { reason: `PID ${pid} in ${PID_FILE} is ${cmdline[0]}, not dockerd` };
  } catch {
    return { reason: `PID ${pid} in ${PID_FILE} is not running` };
  }
  return { pid };
}

const alive = async (pid: number) =>
  readFile(`/proc/${pid}/status`, "utf8").then(
    (s) => !/^State:\s+Z/m.test(s),
    () => false,
  );

/** Stops the engine (SIGTERM, as a host shutdown would) and starts it again; resolves once it answers. */
export async function restartDockerd(pid: number): Promise<void> {
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 90_000;
  while (await alive(pid)) {
    if (Date.now() > deadline) throw new Error(`dockerd (PID ${pid}) did not stop within 90 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await promisify(execFile)("bash", ["-c", `. "${ROOT}/infra/lib.sh" && start_docker`], { cwd: ROOT, timeout: 120_000 });
  await new Docker().ping();
}
