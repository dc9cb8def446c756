// labgrade watch ID: follows the submission's event stream (polling where it
// cannot be opened) until the verdict; exit 0 if every test passed.
import { isFinalStatus } from "../../submissions/final-status.js";
import { ApiClient } from "../api-client.js";
import { loadLogin } from "../config-store.js";
import { pollIntervalMs } from "../errors.js";
import { submissionId } from "./status.js";
import { line, passed, type SubmissionLine } from "./view.js";

export async function watch(args: string[]): Promise<number> {
  const api = new ApiClient(await loadLogin());
  const id = submissionId(args);
  const everyMs = pollIntervalMs();
  let last = "";
  const show = (s: SubmissionLine) => {
    const now = line(s);
    if (now !== last) console.log(now);
    last = now;
  };
  for (;;) {
    await api.followEvents(id, show).catch(() => undefined);
    // The stream ended or could not be opened: the whole submission (errors said plainly), then again.
    const s = await api.submission(id);
    show(s);
    if (isFinalStatus(s.status)) return passed(s) ? 0 : 1;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
