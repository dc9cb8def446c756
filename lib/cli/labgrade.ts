// labgrade: the command-line client of the REST API (/api/v1), for students
// who live in the terminal. It works against any server URL with a personal
// token from the account page, kept in the user's config directory with
// private permissions (config-store.ts). A file per command (commands/), one
// typed API client (api-client.ts).
//
//   labgrade login --server URL [--token lgp_…]   (or the token on stdin, or LABGRADE_TOKEN)
//   labgrade logout                                forget the saved token
//   labgrade labs [COURSE]                         courses, or a course's labs
//   labgrade submit COURSE LAB [DIR] [--dry-run]   pack DIR (honouring .labgradeignore) and submit
//   labgrade status ID                             one line: status and score
//   labgrade watch ID                              follow until the verdict
//   labgrade report ID                             per-test verdicts and reasons, and the web link
//   labgrade cancel ID                             cancel a queued or running grading
// and for a course's staff:
//   labgrade submissions COURSE LAB [--student EMAIL] [--status STATUS]
//   labgrade grades COURSE                         the grade table as CSV
//   labgrade regrade COURSE LAB (--all | --latest | --submission ID) [--wait]
//   labgrade suite check FILE                      a suite's problems by line, offline
//   labgrade suite from-maelstrom "COMMAND"         a `maelstrom test …` line as a suite test, offline
//
// Exit codes: 0 ok (watch: full marks), 1 graded below full marks or not graded
// (build failed, cancelled, timed out), 2 the server refused or failed, 64 bad usage.
import { cancel } from "./commands/cancel.js";
import { grades } from "./commands/grades.js";
import { labs } from "./commands/labs.js";
import { login } from "./commands/login.js";
import { logout } from "./commands/logout.js";
import { regrade } from "./commands/regrade.js";
import { report } from "./commands/report.js";
import { status } from "./commands/status.js";
import { submissions } from "./commands/submissions.js";
import { submit } from "./commands/submit.js";
import { suite } from "./commands/suite-check.js";
import { watch } from "./commands/watch.js";
import { CliError, USAGE } from "./errors.js";

export { packForSubmission } from "./pack.js";
export { progressBar } from "./upload-progress.js";

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  login,
  logout: () => logout(),
  labs,
  submit,
  status,
  watch,
  report,
  cancel,
  submissions,
  grades,
  regrade,
  suite,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === "help" || command === "--help" || command === "-h") {
      console.log(USAGE);
      return 0;
    }
    if (command === undefined) throw new CliError(USAGE, 64);
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) throw new CliError(`no command "${command}"\n${USAGE}`, 64);
    return await run(args);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    console.error(`labgrade: ${err.message}`);
    return err.exitCode;
  }
}

if (process.argv[1] && /labgrade\.ts$|bin\.mjs$/.test(process.argv[1])) process.exitCode = await main(process.argv.slice(2));
