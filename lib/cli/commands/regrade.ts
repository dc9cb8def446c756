// labgrade regrade COURSE LAB (--all | --latest | --submission ID) [--wait]
// (staff): starts a regrade; with --wait follows it to the end (exit 1 if any
// job failed or was cancelled).
import { ApiClient } from "../api-client.js";
import { loadLogin } from "../config-store.js";
import { CliError, option, pollIntervalMs, USAGE } from "../errors.js";

export async function regrade(args: string[]): Promise<number> {
  const one = option(args, "--submission");
  const flags = new Set(args.filter((a) => a.startsWith("--")));
  const [course, lab] = args.filter((a) => !a.startsWith("--"));
  const scopes = [
    one ? ({ scope: "one", submission: one } as const) : null,
    flags.has("--all") ? ({ scope: "all" } as const) : null,
    flags.has("--latest") ? ({ scope: "latest-per-student" } as const) : null,
  ].filter((s) => s !== null);
  if (!course || !lab || scopes.length !== 1) throw new CliError(`regrade needs COURSE, LAB and one of --all, --latest, --submission ID\n${USAGE}`, 64);
  const api = new ApiClient(await loadLogin());
  const started = await api.startRegrade(course, lab, scopes[0]!);
  console.log(started.id);
  console.error(`regrading ${started.total} submission${started.total === 1 ? "" : "s"} against suite version ${started.suiteVersion}${started.skipped ? ` (${started.skipped} still being graded, left alone)` : ""}`);
  if (!flags.has("--wait")) return 0;
  const everyMs = pollIntervalMs();
  for (let last = ""; ; await new Promise((resolve) => setTimeout(resolve, everyMs))) {
    const p = await api.regradeProgress(started.url);
    const now = `${Math.round(p.done * 100)}% done: ${p.succeeded} graded, ${p.failed} failed, ${p.cancelled} cancelled, ${p.running} running, ${p.queued} queued`;
    if (now !== last) console.error(now);
    last = now;
    if (p.done >= 1) return p.failed + p.cancelled > 0 ? 1 : 0;
  }
}
