// The installed `labgrade` command (package.json "bin") asked for help, or
// given no command or one it does not know: what it prints and its exit code;
// and `logout`, which needs no server.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSuite } from "../../lib/suites/parse-suite.js";

const BIN = path.resolve(import.meta.dirname, "../../lib/cli/bin.mjs");
const COMMANDS = ["login", "logout", "labs", "submit", "status", "watch", "report", "cancel", "submissions", "grades", "regrade", "suite"];

function labgradeIn(configHome: string, ...args: string[]) {
  // No server: none of these may reach one.
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, XDG_CONFIG_HOME: configHome, LABGRADE_TOKEN: "", LABGRADE_SERVER: "" } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}
const labgrade = (...args: string[]) => labgradeIn("/nonexistent", ...args);

// Each test starts the real command a few times: on a loaded machine that takes seconds.
describe("labgrade's usage", { timeout: 60_000 }, () => {
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

  it("lists what submit --dry-run would pack, with .labgradeignore honoured, and reaches no server", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "labgrade-dry-run-"));
    try {
      await mkdir(path.join(dir, "cmd"));
      await writeFile(path.join(dir, "main.go"), "package main\n");
      await writeFile(path.join(dir, "cmd", "tool.go"), "x".repeat(2048));
      await writeFile(path.join(dir, "notes.secret"), "not for the grader\n");
      await writeFile(path.join(dir, ".labgradeignore"), "*.secret\n");
      await mkdir(path.join(dir, ".git"));
      await writeFile(path.join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
      const run = labgrade("submit", "demo", "echo", dir, "--dry-run");
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe("cmd/tool.go\t2.0 KiB\nmain.go\t13 B\n");
      expect(run.stderr).toBe("2 files, 2.0 KiB before packing; nothing was uploaded (--dry-run)\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("logs out by deleting the saved token, and says so when there was none", async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), "labgrade-logout-"));
    try {
      await mkdir(path.join(home, "labgrade"), { mode: 0o700 });
      const file = path.join(home, "labgrade", "config.json");
      await writeFile(file, JSON.stringify({ server: "http://127.0.0.1:9", token: "lgp_saved" }), { mode: 0o600 });
      const out = labgradeIn(home, "logout");
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain("forgot the token for http://127.0.0.1:9");
      await expect(stat(file)).rejects.toThrow(/ENOENT/);
      expect(await readdir(path.join(home, "labgrade"))).toEqual([]);
      const again = labgradeIn(home, "logout");
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("not logged in");
      // And nothing else works without a login.
      const labs = labgradeIn(home, "labs");
      expect(labs.code).toBe(64);
      expect(labs.stderr).toContain("not logged in: run `labgrade login --server URL` first");
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it("checks a suite file offline: its problems by line and exit 1, or that it is valid and exit 0", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "labgrade-suite-"));
    try {
      const bad = path.join(dir, "bad.yaml");
      await writeFile(bad, "tests:\n  - name: t\n    workload: echo\n    fualts:\n      - { kind: partition, at: 1, mode: halves }\n    nodes: 99\n");
      const refused = labgrade("suite", "check", bad);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe(`${bad}:4: \`fualts\` is not a setting of an echo test; did you mean \`faults\`?\n${bad}:6: nodes must be at most 25 (it is 99)\n`);
      expect(refused.stderr).toBe("2 problems; the suite would be refused\n");
      const good = path.join(dir, "good.yaml");
      await writeFile(good, "tests:\n  - name: t\n    workload: lin-kv\n    keyCount: 2\n");
      const accepted = labgrade("suite", "check", good);
      expect(accepted).toMatchObject({ code: 0, stdout: `${good}: a valid suite of 1 test\n` });
      expect(labgrade("suite", "check", path.join(dir, "missing.yaml")).code).toBe(64);
      expect(labgrade("suite", "lint", good).code).toBe(64);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("turns a pasted Maelstrom command into a suite on stdout, with what it left out on stderr", () => {
    const command = "./maelstrom test -w broadcast --bin ~/go/bin/maelstrom-broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100 \u2013-nemesis partition";
    const converted = labgrade("suite", "from-maelstrom", command);
    expect(converted.code, converted.stderr).toBe(0);
    expect(converted.stdout).toContain("\nversion: 1\ntests:\n  - name: broadcast-25-nodes-partitioned\n    workload: broadcast\n    nodes: 25\n");
    expect(converted.stdout).toContain("    latency: { ms: 100 }\n    faults:\n      - { kind: partition, at: 10, mode: isolate, node: random }\n");
    expect(converted.stderr).toContain('note: read "\u2013-nemesis" as --nemesis');
    expect(converted.stderr).toContain("note: --bin ~/go/bin/maelstrom-broadcast is left out: we run the lab's build of the student's upload");
    expect(parseSuite(converted.stdout).ok).toBe(true);

    // Unquoted words, a name of our own, and the command on stdin.
    const named = labgrade("suite", "from-maelstrom", "--name", "warm-up", "maelstrom", "test", "-w", "echo", "--bin", "x", "--node-count", "1");
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toContain("  - name: warm-up\n    workload: echo\n    nodes: 1\n");
    const piped = spawnSync(process.execPath, [BIN, "suite", "from-maelstrom", "-"], { encoding: "utf8", input: "maelstrom test \\\n  -w g-set \\\n  --bin x --node-count 2\n" });
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout).toContain("    workload: g-set\n    nodes: 2\n");

    const refused = labgrade("suite", "from-maelstrom", "maelstrom test -w broadcast --bin x --speed 3 --nemesis kill");
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("labgrade: --speed is not a flag of `maelstrom test`\nlabgrade: --nemesis kill: Maelstrom's only nemesis is partition\n2 problems; no test was made\n");
    expect(labgrade("suite", "from-maelstrom").code).toBe(64);
  }, 60_000);
});
