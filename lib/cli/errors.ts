// How the command line fails: a message for the person and the exit code the
// README promises (2 the server refused or failed, 64 bad usage).
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const USAGE = `usage:
  labgrade login --server URL [--token TOKEN]   save a token from the account page (or on stdin)
  labgrade logout                               forget the saved token
  labgrade labs [COURSE]                        your courses, or a course's labs
  labgrade submit COURSE LAB [DIR] [--dry-run]  pack DIR (honouring .labgradeignore) and submit it
                                                (--dry-run: list what would be packed, upload nothing)
  labgrade status ID                            a submission's status and score
  labgrade watch ID                             follow a submission until its verdict
  labgrade report ID                            per-test verdicts and reasons, and the web report's link
  labgrade cancel ID                            cancel a queued or running grading (staff: any of the course's)
staff:
  labgrade submissions COURSE LAB [--student EMAIL] [--status STATUS]
  labgrade grades COURSE                        the grade table as CSV
  labgrade regrade COURSE LAB (--all | --latest | --submission ID) [--wait]
  labgrade suite check FILE                     a suite's problems by line (no server needed; exit 1 on problems)
  labgrade suite from-maelstrom [--name NAME] "COMMAND"
                                                a \`maelstrom test …\` line as a suite test, on stdout (- reads it from stdin)
exit codes: 0 ok (watch: full marks), 1 below full marks or not graded,
  2 the server refused or failed, 64 bad usage`;

/** Takes `name VALUE` out of the arguments; undefined when absent. */
export function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value) throw new CliError(`${name} needs a value\n${USAGE}`, 64);
  args.splice(i, 2);
  return value;
}

/** How often `watch` and `regrade --wait` poll where the event stream cannot be used (LABGRADE_WATCH_INTERVAL_MS). */
export function pollIntervalMs(): number {
  const value = Number(process.env.LABGRADE_WATCH_INTERVAL_MS ?? 2000);
  if (!Number.isFinite(value) || value <= 0) throw new CliError(`LABGRADE_WATCH_INTERVAL_MS must be a number of milliseconds above 0 (got ${JSON.stringify(process.env.LABGRADE_WATCH_INTERVAL_MS)})`, 64);
  return value;
}
