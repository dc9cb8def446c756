// labgrade suite check FILE: the suite editor's validation, offline, with
// the same messages (lib/suites/parse-suite.ts): every problem as FILE:LINE,
// exit 1 when there is one. (What only a server knows, such as whether its
// runners can hold packets for latency and delay faults, is checked when the
// suite is saved.) `suite from-maelstrom` is suite-from-maelstrom.ts.
import { readFile } from "node:fs/promises";
import { parseSuite } from "../../suites/parse-suite.js";
import { CliError, USAGE } from "../errors.js";
import { suiteFromMaelstrom } from "./suite-from-maelstrom.js";

export async function suite(args: string[]): Promise<number> {
  const [action, file] = args;
  if (action === "from-maelstrom") return suiteFromMaelstrom(args.slice(1));
  if (action !== "check" || !file) throw new CliError(`suite needs check FILE, or from-maelstrom "COMMAND"\n${USAGE}`, 64);
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 64);
  }
  const parsed = parseSuite(source);
  if (parsed.ok) {
    console.log(`${file}: a valid suite of ${parsed.spec.tests.length} test${parsed.spec.tests.length === 1 ? "" : "s"}`);
    return 0;
  }
  for (const e of parsed.errors) console.log(`${file}:${e.line ?? 1}: ${e.message}`);
  console.error(`${parsed.errors.length} problem${parsed.errors.length === 1 ? "" : "s"}; the suite would be refused`);
  return 1;
}
