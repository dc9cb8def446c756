// labgrade status ID: one line, the submission's status and score.
import { ApiClient } from "../api-client.js";
import { loadLogin } from "../config-store.js";
import { CliError, USAGE } from "../errors.js";
import { line } from "./view.js";

export function submissionId(args: readonly string[]): string {
  if (!args[0]) throw new CliError(`needs a submission ID\n${USAGE}`, 64);
  return args[0];
}

export async function status(args: string[]): Promise<number> {
  console.log(line(await new ApiClient(await loadLogin()).submission(submissionId(args))));
  return 0;
}
