// labgrade suite from-maelstrom [--name NAME] "COMMAND" (or - to read it from
// stdin): a `maelstrom test …` line as a suite of one test, offline
// (lib/suites/from-maelstrom.ts). The suite goes to stdout, so it can be
// redirected into a file or pasted into the editor; what was left out and
// why, and any flag we cannot honour, go to stderr (exit 1 when the command
// cannot be a test). Unquoted, the command's words are joined with spaces.
import { text } from "node:stream/consumers";
import { suiteTestFromMaelstrom } from "../../suites/from-maelstrom.js";
import { CliError, USAGE, option } from "../errors.js";

export async function suiteFromMaelstrom(args: string[]): Promise<number> {
  // --name belongs to us only before the command: Maelstrom has no flag of that name either way.
  const ours = args[0] === "--name" ? args.splice(0, 2) : [];
  const name = ours.length > 0 ? option(ours, "--name") : undefined;
  if (args.length === 0) throw new CliError(`suite from-maelstrom needs a Maelstrom command (quoted, or - to read it from stdin)\n${USAGE}`, 64);
  const command = args.length === 1 && args[0] === "-" ? await text(process.stdin) : args.join(" ");
  const converted = suiteTestFromMaelstrom(command, { name });
  for (const note of converted.notes) console.error(`note: ${note}`);
  if (!converted.ok) {
    for (const problem of converted.problems) console.error(`labgrade: ${problem}`);
    console.error(`${converted.problems.length} problem${converted.problems.length === 1 ? "" : "s"}; no test was made`);
    return 1;
  }
  process.stdout.write(converted.suiteYaml);
  return 0;
}
