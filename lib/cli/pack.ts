// What `submit` uploads: the folder as a .tar.gz, leaving out .git,
// node_modules and whatever .labgradeignore names (gitignore syntax).
import { readFile } from "node:fs/promises";
import path from "node:path";
import ignore from "ignore";
import { directoryEntries, packEntries } from "../archive.js";

export async function packForSubmission(dir: string): Promise<{ archive: Buffer; files: number }> {
  const rules = ignore().add([".git", "node_modules", ".labgradeignore"]);
  try {
    rules.add(await readFile(path.join(dir, ".labgradeignore"), "utf8"));
  } catch {
    // No ignore file: the defaults only.
  }
  const entries = await directoryEntries(dir, (rel, isDirectory) => rules.ignores(isDirectory ? `${rel}/` : rel));
  return { archive: await packEntries(entries), files: entries.filter((e) => e.type === "file").length };
}
