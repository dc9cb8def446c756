// A Raft upload as a student would send it: a whole skeleton src/ tree (our
// own stand-ins with the course skeleton's layout and package names,
// tests/fixtures/mit-6.5840/skeleton-<layout>/src) with a reference's Raft
// package files in place of the student's raft.go (references/README.md;
// assemble.sh does the same from a shell). The build then lays our harness
// over it like over any student's (harness-overlay.ts).
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { directoryEntries, packEntries, type PackEntry } from "../../archive.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const RAFT_REFERENCES_DIR = path.join(HERE, "references");
export const SKELETON_FIXTURES_DIR = path.resolve(HERE, "../../../tests/fixtures/mit-6.5840");

export type RaftLayout = "2025" | "2024";
/** The Raft package's folder in each layout. */
export const RAFT_PACKAGE: Record<RaftLayout, string> = { "2025": "raft1", "2024": "raft" };

/** The skeleton of `layout` with `referenceDir`'s Raft package files (e.g. references/raft-2025) as the student's, packed as a .tar.gz. */
export async function packRaftUpload(layout: RaftLayout, referenceDir: string): Promise<Buffer> {
  const pkg = RAFT_PACKAGE[layout];
  const sources = (await readdir(path.join(referenceDir, pkg))).filter((name) => name.endsWith(".go"));
  if (sources.length === 0) throw new Error(`${referenceDir}/${pkg}/ holds no .go files: a ${layout} reference has its Raft package there`);
  const skeleton = await directoryEntries(path.join(SKELETON_FIXTURES_DIR, `skeleton-${layout}`, "src"), (rel) => rel === `${pkg}/raft.go`);
  const theirs: PackEntry[] = [];
  for (const entry of await directoryEntries(path.join(referenceDir, pkg), (rel, isDirectory) => isDirectory || !rel.endsWith(".go"))) {
    theirs.push({ ...entry, path: `${pkg}/${entry.path}` });
  }
  return packEntries([...skeleton.filter((e) => !theirs.some((t) => t.path === e.path)), ...theirs]);
}
