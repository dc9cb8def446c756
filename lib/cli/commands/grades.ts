// labgrade grades COURSE (staff): the grade table as CSV on stdout.
import { ApiClient } from "../api-client.js";
import { loadLogin } from "../config-store.js";
import { CliError, USAGE } from "../errors.js";

export async function grades(args: string[]): Promise<number> {
  if (!args[0]) throw new CliError(`grades needs COURSE\n${USAGE}`, 64);
  process.stdout.write(await new ApiClient(await loadLogin()).gradesCsv(args[0]));
  return 0;
}
