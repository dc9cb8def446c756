// labgrade report ID: per-test verdicts and reasons, and the web report's links.
import { isFinalStatus } from "../../submissions/final-status.js";
import { ApiClient } from "../api-client.js";
import { loadLogin } from "../config-store.js";
import { submissionId } from "./status.js";
import { line, passed } from "./view.js";

export async function report(args: string[]): Promise<number> {
  const api = new ApiClient(await loadLogin());
  const s = await api.submission(submissionId(args));
  console.log(line(s));
  for (const r of s.results) {
    console.log(`  ${r.verdict.padEnd(14)} ${r.test} run ${r.repetition + 1}  ${r.points}/${r.maxPoints}  seed ${r.seed}${r.reason ? `\n                 ${r.reason}` : ""}`);
    console.log(`                 plots, history and logs: ${api.link(r.report)}`);
  }
  if (s.withheldResults > 0) console.log(`  (${s.withheldResults} hidden result${s.withheldResults === 1 ? "" : "s"}, shown after the due date or release)`);
  console.log(`full report: ${api.link(`/submissions/${s.id}`)}`);
  return isFinalStatus(s.status) && !passed(s) ? 1 : 0;
}
