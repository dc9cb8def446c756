// The command-line client driving the real server (built app, real runner on
// Docker), as a student in a terminal would: log in with a token (saved with
// private permissions), list labs, submit a folder (its .labgradeignore
// honoured), watch the correct solution pass (exit 0) and a broken one fail
// (exit 1), read the report; a read-only token cannot submit, and a revoked
// token stops working at once.
import { randomBytes } from "node:crypto";
import { cp, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { list } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken, revokeApiToken } from "../../lib/api/tokens.js";
import { getBlobOrThrow } from "../../lib/blobs.js";
import { packForSubmission } from "../../lib/cli/labgrade.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { runLabgrade } from "../support/cli.js";
import { createGradingStack, REDIS_URL, type GradingStack } from "../support/grading-stack.js";
import { startWebServer, type WebServer } from "../support/web-server.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let stack: GradingStack | undefined;
let server: WebServer | undefined;
let home: string;

/** Runs `labgrade …` as a separate process with its own config directory. */
const labgrade = (args: string[], opts: { config?: string } = {}) => runLabgrade(args, { config: opts.config ?? home, env: { LABGRADE_WATCH_INTERVAL_MS: "500" } });

const tokenFor = async (email: string, scope: "READ" | "SUBMIT") => {
  const user = await stack!.db.user.findUniqueOrThrow({ where: { email } });
  return createApiToken(stack!.db, { userId: user.id, isPlatformAdmin: false }, { name: `cli ${scope}`, scope, expiresInDays: 1 });
};

beforeAll(async () => {
  stack = await createGradingStack("e2e-cli");
  await stack.startRunner("e2e-cli-runner");
  server = await startWebServer({ env: { DATABASE_URL: stack.database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: stack.prefix, AUTH_SECRET: randomBytes(32).toString("hex") } });
  home = await mkdtemp(path.join(os.tmpdir(), "labgrade-cli-"));
});

afterAll(async () => {
  await server?.stop();
  await stack?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

/** A copy of a reference solution with a file its .labgradeignore leaves out. */
async function solution(name: string): Promise<string> {
  const dir = path.join(home, `src-${name}`);
  await cp(path.join(ROOT, "lib/labs/echo/reference", name), dir, { recursive: true });
  await writeFile(path.join(dir, "notes.secret"), "not for the grader\n");
  await writeFile(path.join(dir, ".labgradeignore"), "*.secret\n");
  return dir;
}

describe("labgrade (command line)", () => {
  it("logs in with a token, keeps it private, and lists courses and labs", async () => {
    const { token } = await tokenFor("alice@demo.labgrade.test", "SUBMIT");
    const login = await labgrade(["login", "--server", server!.url, "--token", token]);
    expect(login, login.stderr).toMatchObject({ code: 0 });
    expect(login.stdout).toContain(`logged in to ${server!.url} (1 course)`);
    const saved = await stat(path.join(home, "labgrade", "config.json"));
    expect(saved.mode & 0o777).toBe(0o600);
    expect((await labgrade(["labs"])).stdout).toContain(`${DEMO_COURSE_SLUG}\tDistributed Systems (demo)\tstudent`);
    expect((await labgrade(["labs", DEMO_COURSE_SLUG])).stdout).toMatch(/^echo\tEcho\t/m);
    const bad = await labgrade(["login", "--server", server!.url, "--token", "lgp_wrong-token-wrong-token-wrong"], { config: path.join(home, "other") });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("auth.token");
  });

  it("packs a folder without what .labgradeignore names", async () => {
    const { archive } = await packForSubmission(await solution("correct"));
    const file = path.join(home, "packed.tar.gz");
    await writeFile(file, archive);
    const names: string[] = [];
    await list({ file, onReadEntry: (entry) => void names.push(entry.path) });
    expect(names).toContain("main.go");
    expect(names).not.toContain("notes.secret");
    expect(names).not.toContain(".labgradeignore");
  });

  it("submits the correct solution and watches it pass (exit 0), then a broken one fail (exit 1)", async () => {
    const good = await labgrade(["submit", DEMO_COURSE_SLUG, "echo", await solution("correct")]);
    expect(good, good.stderr).toMatchObject({ code: 0 });
    const goodId = good.stdout.trim();
    const watched = await labgrade(["watch", goodId]);
    expect(watched, watched.stdout + watched.stderr).toMatchObject({ code: 0 });
    expect(watched.stdout).toMatch(/^PASSED 1\/1/m);
    const report = await labgrade(["report", goodId]);
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/PASS\s+\S+ run 1 /);
    expect(report.stdout).toContain(`full report: ${server!.url}/submissions/${goodId}`);

    // A misspelt lab is refused before anything is packed or sent, with the course's labs named.
    const before = await stack!.db.submission.count();
    const typo = await labgrade(["submit", DEMO_COURSE_SLUG, "ehco", await solution("correct")]);
    expect(typo.code).toBe(64);
    expect(typo.stderr).toMatch(/has no lab "ehco" open to you; its labs: .*\becho\b/);
    expect(await stack!.db.submission.count()).toBe(before);

    const broken = await labgrade(["submit", DEMO_COURSE_SLUG, "echo", await solution("wrong-echo")]);
    expect(broken.code).toBe(0);
    const failed = await labgrade(["watch", broken.stdout.trim()]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^FAILED 0\/1/m);
    expect((await labgrade(["status", broken.stdout.trim()])).stdout).toMatch(/^FAILED 0\/1/);
  });

  it("shows the upload's progress, a line per quarter when stderr is not a terminal", async () => {
    const dir = await solution("correct");
    // Incompressible, so the packed archive is about as large: several chunks per quarter.
    await writeFile(path.join(dir, "data.bin"), randomBytes(3 * 1024 * 1024));
    const { archive } = await packForSubmission(dir);
    const sent = await labgrade(["submit", DEMO_COURSE_SLUG, "echo", dir]);
    expect(sent, sent.stderr).toMatchObject({ code: 0 });
    const bars = sent.stderr.split("\n").filter((l) => l.startsWith("["));
    // A line as each quarter is crossed (a 64-KiB chunk may carry it a little past).
    const percents = bars.map((l) => Number(/\]\s+(\d+)%/.exec(l)![1]));
    expect(percents.map((p) => Math.floor(p / 25)), sent.stderr).toEqual([1, 2, 3, 4]);
    expect(percents.at(-1)).toBe(100);
    expect(bars.at(-1)).toContain(`of ${(archive.length / 1024 / 1024).toFixed(1)} MiB`);
    // Every byte arrived: the stored archive is the one packed here (packing is deterministic).
    const stored = await stack!.db.submission.findUniqueOrThrow({ where: { id: sent.stdout.trim() } });
    expect(stored.archiveBytes).toBe(archive.length);
    expect((await getBlobOrThrow(stack!.db, stored.archiveKey)).equals(archive)).toBe(true);
  });

  it("streams a submission's progress as server-sent events that end at the verdict", async () => {
    const { token } = await tokenFor("alice@demo.labgrade.test", "READ");
    const { id } = await stack!.submitReference("alice@demo.labgrade.test", "echo", "correct");
    const response = await fetch(`${server!.url}/api/v1/submissions/${id}/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    // The whole body: the server ends the stream itself once the status is final.
    const text = await response.text();
    const events = text
      .split("\n\n")
      .filter((block) => block.startsWith("event: progress"))
      .map((block) => JSON.parse(block.split("\n").find((l) => l.startsWith("data: "))!.slice(6)) as { status: string; runsFinished: number; results: Array<{ verdict: string }> });
    const statuses = events.map((e) => e.status);
    expect(statuses.length, text).toBeGreaterThanOrEqual(2);
    expect(statuses.at(-1)).toBe("GRADED");
    expect(statuses.slice(0, -1).every((s) => ["QUEUED", "BUILDING", "RUNNING"].includes(s)), statuses.join(" → ")).toBe(true);
    expect(events.at(-1)!.results.map((r) => r.verdict)).toEqual(["PASS"]);
    expect(events.at(-1)!.runsFinished).toBe(1);
    // Someone else's submission: a JSON 404 before any stream.
    const other = await tokenFor("bob@demo.labgrade.test", "READ");
    const refused = await fetch(`${server!.url}/api/v1/submissions/${id}/events`, { headers: { authorization: `Bearer ${other.token}` } });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("lets the course's staff list submissions, export grades and regrade, following the batch to its end", async () => {
    const { token } = await tokenFor("instructor@demo.labgrade.test", "SUBMIT");
    const config = path.join(home, "ivan");
    expect((await labgrade(["login", "--server", server!.url, "--token", token], { config })).code).toBe(0);
    // (The upload-progress submission may still be grading: it may or may not be listed.)
    const gradedBefore = await stack!.db.submission.findMany({ where: { user: { email: "alice@demo.labgrade.test" }, status: "GRADED" }, select: { id: true } });
    const listed = await labgrade(["submissions", DEMO_COURSE_SLUG, "echo", "--student", "alice@demo.labgrade.test", "--status", "GRADED"], { config });
    expect(listed, listed.stderr).toMatchObject({ code: 0 });
    const rows = listed.stdout.trim().split("\n").map((l) => l.split("\t"));
    expect(gradedBefore.length).toBeGreaterThanOrEqual(3);
    expect(rows.map((r) => r[0])).toEqual(expect.arrayContaining(gradedBefore.map((g) => g.id)));
    expect(rows.every((r) => r[1] === "alice@demo.labgrade.test" && ["PASSED", "PARTLY_PASSED", "FAILED"].includes(r[2]!))).toBe(true);
    const created = rows.map((r) => r[4]!);
    expect(created).toEqual([...created].sort().reverse());

    const csv = await labgrade(["grades", DEMO_COURSE_SLUG], { config });
    expect(csv.code).toBe(0);
    expect(csv.stdout.split("\n")[0]).toMatch(/^email,name,.*\becho\b.*,total$/);
    expect(csv.stdout).toMatch(/^alice@demo\.labgrade\.test,Alice Student,/m);

    const regraded = await labgrade(["regrade", DEMO_COURSE_SLUG, "echo", "--latest", "--wait"], { config });
    expect(regraded, regraded.stderr).toMatchObject({ code: 0 });
    const batch = regraded.stdout.trim();
    const jobs = await stack!.db.gradingJob.findMany({ where: { regradeBatchId: batch } });
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((j) => j.status === "SUCCEEDED")).toBe(true);
    expect(regraded.stderr).toContain(`100% done: ${jobs.length} graded, 0 failed`);

    // A student may do none of it.
    const student = await labgrade(["grades", DEMO_COURSE_SLUG]);
    expect(student.code).toBe(2);
    expect(student.stderr).toContain("only the course's staff may export its grades (forbidden, HTTP 403)");
    expect((await labgrade(["regrade", DEMO_COURSE_SLUG, "echo", "--all"])).code).toBe(2);
    expect((await labgrade(["regrade", DEMO_COURSE_SLUG, "echo"], { config })).code).toBe(64);
  });

  it("cannot submit with a read-only token, and stops at once when the token is revoked", async () => {
    const readOnly = await tokenFor("bob@demo.labgrade.test", "READ");
    const config = path.join(home, "bob");
    expect((await labgrade(["login", "--server", server!.url, "--token", readOnly.token], { config })).code).toBe(0);
    const refused = await labgrade(["submit", DEMO_COURSE_SLUG, "echo", await solution("correct")], { config });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("this token may only read");
    const bob = await stack!.db.user.findUniqueOrThrow({ where: { email: "bob@demo.labgrade.test" } });
    await revokeApiToken(stack!.db, { userId: bob.id, isPlatformAdmin: false }, readOnly.id);
    const after = await labgrade(["labs"], { config });
    expect(after.code).toBe(2);
    expect(after.stderr).toContain("HTTP 401");
  });
});
