// The installed `labgrade` command (package.json "bin") asked for help, or
// given no command or one it does not know: what it prints and its exit code.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const BIN = path.resolve(import.meta.dirname, "../../lib/cli/bin.mjs");
const COMMANDS = ["login", "labs", "submit", "status", "watch", "report", "submissions", "grades", "regrade"];

function labgrade(...args: string[]) {
  // No saved login and no server: none of these may reach one.
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, XDG_CONFIG_HOME: "/nonexistent", LABGRADE_TOKEN: "", LABGRADE_SERVER: "" } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("labgrade's usage", () => {
  it("prints every command on standard output for --help, help and -h, and exits 0", () => {
    for (const flag of ["--help", "help", "-h"]) {
      const run = labgrade(flag);
      expect(run.code, run.stderr).toBe(0);
      for (const command of COMMANDS) expect(run.stdout).toContain(`labgrade ${command} `);
      expect(run.stderr).toBe("");
    }
  });

  it("exits 64 with the usage on standard error without a command, and names an unknown one", () => {
    const none = labgrade();
    expect(none.code).toBe(64);
    expect(none.stderr).toContain("labgrade submit COURSE LAB [DIR]");
    const unknown = labgrade("sumbit", "demo", "echo");
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/^labgrade: no command "sumbit"\nusage:/);
    expect(unknown.stdout).toBe("");
  });
});
