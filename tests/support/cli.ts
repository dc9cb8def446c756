// Runs the installed `labgrade` command (package.json "bin") as its own
// process, as a student's terminal would, with its own config directory and
// no login from the environment.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const BIN = path.resolve(import.meta.dirname, "../../lib/cli/bin.mjs");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runLabgrade(args: string[], opts: { config: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: { ...process.env, XDG_CONFIG_HOME: opts.config, LABGRADE_TOKEN: "", LABGRADE_SERVER: "", ...opts.env },
      timeout: opts.timeoutMs ?? 240_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
