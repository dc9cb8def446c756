// labgrade: the command-line client of the REST API (/api/v1), for students
// who live in the terminal. It works against any server URL with a personal
// token from the account page, kept in the user's config directory with
// private permissions.
//
//   labgrade login --server URL [--token lgp_…]   (or the token on stdin, or LABGRADE_TOKEN)
//   labgrade logout                                forget the saved token
//   labgrade labs [COURSE]                         courses, or a course's labs
//   labgrade submit COURSE LAB [DIR]               pack DIR (honouring .labgradeignore) and submit
//   labgrade status ID                             one line: status and score
//   labgrade watch ID                              follow until the verdict
//   labgrade report ID                             per-test verdicts and reasons, and the web link
// and for a course's staff:
//   labgrade submissions COURSE LAB [--student EMAIL] [--status STATUS]
//   labgrade grades COURSE                         the grade table as CSV
//   labgrade regrade COURSE LAB (--all | --latest | --submission ID) [--wait]
//
// Exit codes: 0 ok (watch: full marks), 1 graded below full marks or not graded
// (build failed, cancelled, timed out), 2 the server refused or failed, 64 bad usage.
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import ignore from "ignore";
import type { z } from "zod";
import type { regradeProgressBody } from "../api/schemas.js";
import { directoryEntries, packEntries } from "../archive.js";
import { isFinalStatus } from "../submissions/final-status.js";

const USAGE = `usage:
  labgrade login --server URL [--token TOKEN]   save a token from the account page (or on stdin)
  labgrade logout                               forget the saved token
  labgrade labs [COURSE]                        your courses, or a course's labs
  labgrade submit COURSE LAB [DIR]              pack DIR (honouring .labgradeignore) and submit it
  labgrade status ID                            a submission's status and score
  labgrade watch ID                             follow a submission until its verdict
  labgrade report ID                            per-test verdicts and reasons, and the web report's link
staff:
  labgrade submissions COURSE LAB [--student EMAIL] [--status STATUS]
  labgrade grades COURSE                        the grade table as CSV
  labgrade regrade COURSE LAB (--all | --latest | --submission ID) [--wait]
exit codes: 0 ok (watch: full marks), 1 below full marks or not graded,
  2 the server refused or failed, 64 bad usage`;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

interface Saved {
  server: string;
  token: string;
}

function configFile(): string {
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config");
  return path.join(base, "labgrade", "config.json");
}

/** What `login` saved, or null when nothing (readable) is saved. */
async function readSaved(): Promise<Partial<Saved> | null> {
  try {
    return JSON.parse(await readFile(configFile(), "utf8")) as Partial<Saved>;
  } catch {
    return null;
  }
}

async function loadConfig(): Promise<Saved> {
  // Empty counts as unset.
  const envToken = process.env.LABGRADE_TOKEN || undefined;
  const envServer = process.env.LABGRADE_SERVER || undefined;
  // Not logged in yet: the environment may still say everything.
  const saved = (await readSaved()) ?? {};
  const server = envServer ?? saved.server;
  const token = envToken ?? saved.token;
  if (!server || !token) throw new CliError("not logged in: run `labgrade login --server URL` first", 64);
  return { server, token };
}

type Body = { upload: Buffer; onProgress: (sent: number) => void } | { json: unknown };

/** One call of the API; a refusal becomes a CliError with the server's code and message. */
async function call(cfg: Saved, method: string, route: string, body?: Body): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(new URL(`/api/v1${route}`, cfg.server), {
      method,
      headers: { authorization: `Bearer ${cfg.token}`, ...(body ? { "content-type": "upload" in body ? "application/gzip" : "application/json" } : {}) },
      ...(body && "upload" in body ? { body: countingStream(body.upload, body.onProgress), duplex: "half" } : {}),
      ...(body && "json" in body ? { body: JSON.stringify(body.json) } : {}),
    });
  } catch (err) {
    throw new CliError(`cannot reach ${cfg.server}: ${(err as Error).message}`, 2);
  }
  if (!response.ok) {
    const json = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
    const error = json.error ?? { code: `http.${response.status}`, message: response.statusText };
    throw new CliError(`${error.message} (${error.code}, HTTP ${response.status})`, 2);
  }
  return response;
}

async function api(cfg: Saved, method: string, route: string, body?: Body): Promise<Record<string, unknown>> {
  return (await (await call(cfg, method, route, body)).json()) as Record<string, unknown>;
}

const UPLOAD_CHUNK_BYTES = 64 * 1024;

/** The bytes as a request body handed over a chunk at a time, telling `onProgress` how many the connection has taken so far. */
function countingStream(bytes: Buffer, onProgress: (sent: number) => void): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent > 0) onProgress(sent);
        if (sent >= bytes.length) return controller.close();
        const end = Math.min(sent + UPLOAD_CHUNK_BYTES, bytes.length);
        controller.enqueue(new Uint8Array(bytes.subarray(sent, end)));
        sent = end;
      },
    },
    // Pulled only when the connection wants more: the count follows the upload.
    { highWaterMark: 0 },
  );
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** `[#########-----------]  45%  1.3 of 2.9 MiB` */
export function progressBar(sent: number, total: number, width = 30): string {
  const share = total === 0 ? 1 : Math.min(1, sent / total);
  const filled = Math.round(share * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${(sent / 1024 / 1024).toFixed(1)} of ${mib(total)}`;
}

/**
 * Shows the upload's progress on stderr: one bar redrawn in place on a
 * terminal, otherwise (a log, a CI job) a line at each quarter.
 */
function uploadProgress(total: number, out: NodeJS.WriteStream = process.stderr): { update: (sent: number) => void; end: () => void } {
  let shownQuarter = 0;
  let lastDrawn = 0;
  const update = (sent: number) => {
    if (out.isTTY) {
      const now = Date.now();
      if (now - lastDrawn < 100 && sent < total) return;
      lastDrawn = now;
      out.write(`\r${progressBar(sent, total)}`);
      return;
    }
    const quarter = Math.floor((4 * sent) / Math.max(total, 1));
    if (quarter > shownQuarter) {
      shownQuarter = quarter;
      out.write(`${progressBar(sent, total)}\n`);
    }
  };
  return {
    update,
    /** Ends the bar's line on a terminal (after the last update, or before an error is printed). */
    end: () => {
      if (out.isTTY && lastDrawn > 0) out.write("\n");
    },
  };
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value) throw new CliError(`${name} needs a value\n${USAGE}`, 64);
  args.splice(i, 2);
  return value;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

async function login(args: string[]): Promise<void> {
  const server = option(args, "--server");
  if (!server || !/^https?:\/\//.test(server)) throw new CliError(`login needs --server http(s)://…\n${USAGE}`, 64);
  const token = option(args, "--token") || process.env.LABGRADE_TOKEN || (process.stdin.isTTY ? undefined : await readStdin());
  if (!token) throw new CliError("give the token with --token, LABGRADE_TOKEN or on stdin (make one on your account page)", 64);
  const cfg = { server: server.replace(/\/+$/, ""), token };
  const { courses } = (await api(cfg, "GET", "/courses")) as { courses: Array<{ slug: string }> };
  const file = configFile();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(cfg, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  console.log(`logged in to ${cfg.server} (${courses.length} course${courses.length === 1 ? "" : "s"}); token saved in ${file}`);
}

/** Forgets the saved token; the token itself stays valid until revoked on the account page. */
async function logout(): Promise<void> {
  const file = configFile();
  const saved = await readSaved();
  if (!saved) {
    console.log("not logged in: no saved token");
    return;
  }
  await rm(file, { force: true });
  console.log(`forgot the token for ${saved.server ?? "the server"} (${file}); revoke it on your account page if it may have been seen`);
}

async function labs(args: string[]): Promise<void> {
  const cfg = await loadConfig();
  const course = args[0];
  if (!course) {
    const { courses } = (await api(cfg, "GET", "/courses")) as { courses: Array<{ slug: string; title: string; role: string }> };
    for (const c of courses) console.log(`${c.slug}\t${c.title}\t${c.role.toLowerCase()}`);
    return;
  }
  const { labs: list } = (await api(cfg, "GET", `/courses/${encodeURIComponent(course)}/labs`)) as {
    labs: Array<{ slug: string; title: string; dueAt: string | null; bestScore: { finalScore: number | null; maxScore: number | null; withheld: boolean } | null }>;
  };
  for (const l of list) {
    let best = "not graded yet";
    if (l.bestScore?.withheld) best = "best score withheld until results are released";
    else if (l.bestScore) best = `best ${l.bestScore.finalScore}/${l.bestScore.maxScore ?? "?"}`;
    console.log(`${l.slug}\t${l.title}\t${l.dueAt ? `due ${l.dueAt}` : "no deadline"}\t${best}`);
  }
}

const labRoute = (course: string, lab: string) => `/courses/${encodeURIComponent(course)}/labs/${encodeURIComponent(lab)}`;

/** The folder as a .tar.gz, leaving out .git, node_modules and whatever .labgradeignore names (gitignore syntax). */
export async function packForSubmission(dir: string): Promise<{ archive: Buffer; files: number }> {
  const rules = ignore().add([".git", "node_modules", ".labgradeignore"]);
  try {
    rules.add(await readFile(path.join(dir, ".labgradeignore"), "utf8"));
  } catch {
    // No ignore file: the defaults only.
  }
  const entries = await directoryEntries(dir, (rel, isDirectory) => rules.ignores(isDirectory ? `${rel}/` : rel));
  return { archive: await packEntries(entries), files: entries.filter((e) => e.type === "file").length };
}

async function submit(args: string[]): Promise<void> {
  const [course, lab, dir = "."] = args;
  if (!course || !lab) throw new CliError(`submit needs COURSE and LAB\n${USAGE}`, 64);
  const cfg = await loadConfig();
  const { archive, files } = await packForSubmission(path.resolve(dir));
  process.stderr.write(`uploading ${files} files (${(archive.length / 1024).toFixed(1)} KiB packed)\n`);
  const progress = uploadProgress(archive.length);
  let created: { id: string; url: string };
  try {
    created = (await api(cfg, "POST", `${labRoute(course, lab)}/submissions`, { upload: archive, onProgress: progress.update })) as typeof created;
  } finally {
    progress.end();
  }
  console.log(created.id);
  console.error(`follow it: labgrade watch ${created.id}  or  ${new URL(created.url, cfg.server)}`);
}

interface SubmissionView {
  id: string;
  status: string;
  statusDetail: string | null;
  score: number | null;
  maxScore: number | null;
  finalScore: number | null;
  queue: { position: number } | null;
  results: Array<{ test: string; repetition: number; verdict: string; reason: string; points: number; maxPoints: number; seed: string; report: string }>;
  withheldResults: number;
}

const line = (s: SubmissionView) =>
  `${s.status}${s.score !== null ? ` ${s.score}/${s.maxScore}` : ""}${s.queue ? ` (place ${s.queue.position} in the queue)` : ""}${s.statusDetail ? `: ${s.statusDetail}` : ""}`;
/** Every test passed; with hidden results withheld (no score), every test shown passed. */
const passed = (s: SubmissionView) =>
  s.status === "GRADED" && (s.score !== null && s.maxScore !== null ? s.score >= s.maxScore : s.results.every((r) => r.verdict === "PASS"));

async function fetchSubmission(cfg: Saved, id: string | undefined): Promise<SubmissionView> {
  if (!id) throw new CliError(`needs a submission ID\n${USAGE}`, 64);
  return (await api(cfg, "GET", `/submissions/${encodeURIComponent(id)}`)) as unknown as SubmissionView;
}

async function status(args: string[]): Promise<void> {
  console.log(line(await fetchSubmission(await loadConfig(), args[0])));
}

/** Calls `onEvent` with each progress event of the submission's stream until the stream ends (final status, or the server's limit). */
async function followEvents(cfg: Saved, id: string, onEvent: (event: SubmissionView) => void): Promise<void> {
  const response = await fetch(new URL(`/api/v1/submissions/${encodeURIComponent(id)}/events`, cfg.server), { headers: { authorization: `Bearer ${cfg.token}`, accept: "text/event-stream" } });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  const decoder = new TextDecoder();
  let buffered = "";
  const reader = response.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = block.split("\n").find((l) => l.startsWith("data: "));
      if (block.startsWith("event: progress") && data) onEvent({ queue: null, ...(JSON.parse(data.slice(6)) as Omit<SubmissionView, "queue">) });
    }
  }
}

/** Follows the submission's event stream (polling where it cannot be opened) until the verdict; exit 0 if every test passed. */
async function watch(args: string[]): Promise<number> {
  const cfg = await loadConfig();
  const everyMs = Number(process.env.LABGRADE_WATCH_INTERVAL_MS ?? 2000);
  let last = "";
  const show = (s: SubmissionView) => {
    const now = line(s);
    if (now !== last) console.log(now);
    last = now;
  };
  for (;;) {
    await followEvents(cfg, args[0] ?? "", show).catch(() => undefined);
    // The stream ended or could not be opened: the whole submission (errors said plainly), then again.
    const s = await fetchSubmission(cfg, args[0]);
    show(s);
    if (isFinalStatus(s.status)) return passed(s) ? 0 : 1;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

async function report(args: string[]): Promise<number> {
  const cfg = await loadConfig();
  const s = await fetchSubmission(cfg, args[0]);
  console.log(line(s));
  for (const r of s.results) {
    console.log(`  ${r.verdict.padEnd(14)} ${r.test}#${r.repetition}  ${r.points}/${r.maxPoints}  seed ${r.seed}${r.reason ? `\n                 ${r.reason}` : ""}`);
    console.log(`                 plots, history and logs: ${new URL(r.report, cfg.server)}`);
  }
  if (s.withheldResults > 0) console.log(`  (${s.withheldResults} hidden result${s.withheldResults === 1 ? "" : "s"}, shown after the due date or release)`);
  console.log(`full report: ${new URL(`/submissions/${s.id}`, cfg.server)}`);
  return isFinalStatus(s.status) && !passed(s) ? 1 : 0;
}

/** Every submission of the lab (all pages), a line each: id, student, status, score, when. */
async function submissions(args: string[]): Promise<void> {
  const student = option(args, "--student");
  const wanted = option(args, "--status");
  const [course, lab] = args;
  if (!course || !lab) throw new CliError(`submissions needs COURSE and LAB\n${USAGE}`, 64);
  const cfg = await loadConfig();
  let after: string | null = null;
  do {
    const query = new URLSearchParams({ limit: "100", ...(student ? { student } : {}), ...(wanted ? { status: wanted } : {}), ...(after ? { after } : {}) });
    const page = (await api(cfg, "GET", `${labRoute(course, lab)}/submissions?${query}`)) as {
      submissions: Array<{ id: string; student: { email: string }; status: string; finalScore: number | null; maxScore: number | null; createdAt: string }>;
      next: string | null;
    };
    for (const s of page.submissions) {
      console.log(`${s.id}\t${s.student.email}\t${s.status}\t${s.finalScore === null ? "-" : `${s.finalScore}/${s.maxScore ?? "?"}`}\t${s.createdAt}`);
    }
    after = page.next;
  } while (after);
}

async function grades(args: string[]): Promise<void> {
  if (!args[0]) throw new CliError(`grades needs COURSE\n${USAGE}`, 64);
  const cfg = await loadConfig();
  process.stdout.write(await (await call(cfg, "GET", `/courses/${encodeURIComponent(args[0])}/grades.csv`)).text());
}

/** What GET /regrades/{id} answers. */
type RegradeProgress = z.infer<typeof regradeProgressBody>;

/** Starts a regrade; with --wait follows it to the end (exit 1 if any job failed or was cancelled). */
async function regrade(args: string[]): Promise<number> {
  const one = option(args, "--submission");
  const flags = new Set(args.filter((a) => a.startsWith("--")));
  const [course, lab] = args.filter((a) => !a.startsWith("--"));
  const scopes = [one && { scope: "one", submission: one }, flags.has("--all") && { scope: "all" }, flags.has("--latest") && { scope: "latest-per-student" }].filter(Boolean);
  if (!course || !lab || scopes.length !== 1) throw new CliError(`regrade needs COURSE, LAB and one of --all, --latest, --submission ID\n${USAGE}`, 64);
  const cfg = await loadConfig();
  const started = (await api(cfg, "POST", `${labRoute(course, lab)}/regrades`, { json: scopes[0] })) as { id: string; suiteVersion: number; total: number; skipped: number; url: string };
  console.log(started.id);
  console.error(`regrading ${started.total} submission${started.total === 1 ? "" : "s"} against suite version ${started.suiteVersion}${started.skipped ? ` (${started.skipped} still being graded, left alone)` : ""}`);
  if (!flags.has("--wait")) return 0;
  const everyMs = Number(process.env.LABGRADE_WATCH_INTERVAL_MS ?? 2000);
  for (let last = ""; ; await new Promise((resolve) => setTimeout(resolve, everyMs))) {
    const p = (await api(cfg, "GET", started.url.replace(/^\/api\/v1/, ""))) as RegradeProgress;
    const now = `${Math.round(p.done * 100)}% done: ${p.succeeded} graded, ${p.failed} failed, ${p.cancelled} cancelled, ${p.running} running, ${p.queued} queued`;
    if (now !== last) console.error(now);
    last = now;
    if (p.done >= 1) return p.failed + p.cancelled > 0 ? 1 : 0;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case "login":
        await login(args);
        return 0;
      case "logout":
        await logout();
        return 0;
      case "labs":
        await labs(args);
        return 0;
      case "submit":
        await submit(args);
        return 0;
      case "status":
        await status(args);
        return 0;
      case "watch":
        return await watch(args);
      case "report":
        return await report(args);
      case "submissions":
        await submissions(args);
        return 0;
      case "grades":
        await grades(args);
        return 0;
      case "regrade":
        return await regrade(args);
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return 0;
      case undefined:
        throw new CliError(USAGE, 64);
      default:
        throw new CliError(`no command "${command}"\n${USAGE}`, 64);
    }
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    console.error(`labgrade: ${err.message}`);
    return err.exitCode;
  }
}

if (process.argv[1] && /labgrade\.ts$|bin\.mjs$/.test(process.argv[1])) process.exitCode = await main(process.argv.slice(2));
