// The overlay of a Raft lab (MIT 6.5840): our own packages laid over the
// student's skeleton `src/` by the build step (runner/build-step.ts), so their
// Raft is built unchanged against our labrpc over TCP, our labgob, our durable
// Persister and our peer host (harness/README.md). The folders that stand for
// the skeleton's packages are replaced whole (none of the student's files joins
// them: the skeleton's copies, their tests and the in-process tester go); the
// 2024 layout's raft/persister.go replaces that one file beside the student's
// Raft. Our Go tests and their fixtures stay out of it.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { directoryEntries, type PackEntry } from "../../archive.js";

export const HARNESS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "harness");

/** Folders of the overlay that stand whole for the skeleton's packages of the same name (and ours). */
export const REPLACED_FOLDERS = ["labrpc", "labgob", "raftapi", "tester1", "labgrade"] as const;

/** Ours alone: the harness's own module file (the student's go.mod stays), its docs, tests and their fixtures. */
const leftOut = (relPath: string) => relPath === "go.mod" || relPath === "README.md" || relPath.endsWith("_test.go") || relPath.split("/").includes("testdata");

export async function raftHarnessOverlay(): Promise<PackEntry[]> {
  const entries = await directoryEntries(HARNESS_DIR, leftOut);
  return entries.map((e) => (e.type === "directory" && (REPLACED_FOLDERS as readonly string[]).includes(e.path) ? { ...e, replaces: true } : e));
}
