// What `submit` uploads: the folder as a .tar.gz, leaving out .git,
// node_modules and whatever .labgradeignore names (gitignore syntax).
import { readFile } from "node:fs/promises";
import path from "node:path";
import ignore from "ignore";
import { directoryEntries, packEntries } from "../archive.js";

/** The files `submit` would pack from `dir` (paths relative to it, in packing order) and their sizes. */
export async function filesToPack(dir: string): Promise<Array<{ path: string; bytes: number }>> {
  return (await entriesToPack(dir)).flatMap((e) => (e.type === "file" ? [{ path: e.path, bytes: e.content.length }] : []));
}

export async function packForSubmission(dir: string): Promise<{ archive: Buffer; files: number }> {
  const entries = await entriesToPack(dir);
  return { archive: await packEntries(entries), files: entries.filter((e) => e.type === "file").length };
}

async function entriesToPack(dir: string) {
  const rules = ignore().add([".git", "node_modules", ".labgradeignore"]);
  try {
    rules.add(await readFile(path.join(dir, ".labgradeignore"), "utf8"));
  } catch {
    // No ignore file: the defaults only.
  }
  return directoryEntries(dir, (rel, isDirectory) => rules.ignores(isDirectory ? `${rel}/` : rel));
}
