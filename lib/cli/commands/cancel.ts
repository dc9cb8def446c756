// labgrade cancel ID: cancels a queued or running grading (one's own, or as
// staff any of the course's), then prints the submission's line as it stands.
import { ApiClient } from "../api-client.js";
import { loadLogin } from "../config-store.js";
import { submissionId } from "./status.js";

export async function cancel(args: string[]): Promise<number> {
  const id = submissionId(args);
  const cancelled = await new ApiClient(await loadLogin()).cancel(id);
  console.log(`${cancelled.status}${cancelled.statusDetail ? `: ${cancelled.statusDetail}` : ""}`);
  if (cancelled.status !== "CANCELLED") console.error("a running grading stops within a few seconds; `labgrade watch` follows it");
  return 0;
}
