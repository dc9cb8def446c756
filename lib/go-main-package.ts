// Where a Go submission keeps its `main` package. Our Go labs build the
// archive's root (`go build -o /work/out/node .`), so a solution laid out as
// `cmd/<name>/main.go`, or a module zipped from its parent folder
// (`maelstrom-echo/go.mod`, `maelstrom-echo/main.go`), fails with Go's own
// words ("no Go files in /work/src", "go.mod file not found"), or, worse,
// builds a library archive that cannot run when the root holds another
// package. This reads the normalised tar (lib/archive.ts: entries under
// src/) and says where `package main` was found and what to upload instead.
//
// It reads package clauses only, as Go's loader does first, and is
// conservative: where it cannot tell (a symbolic link to a .go file at the
// root) it says nothing, so Go's own output stands.
import path from "node:path/posix";
import { Readable } from "node:stream";
import { extract } from "tar-stream";

/** One folder holding a `package main`, relative to the archive's root. */
export interface MainPackageDir {
  dir: string;
  /** Its non-test .go files that declare package main. */
  files: string[];
  /** Whether the folder is a module of its own (a go.mod beside the files). */
  hasGoMod: boolean;
}

export interface GoLayout {
  /** Package names declared by the root's non-test .go files (none: no Go files there). */
  rootPackages: string[];
  /** Whether the root has a .go entry whose package cannot be read here (a symbolic link). */
  rootUnknown: boolean;
  /** Folders other than the root that hold package main, in path order. */
  mainDirs: MainPackageDir[];
}

/** Bytes of a file read for its package clause: enough for any licence header. */
const HEADER_BYTES = 64 * 1024;

/**
 * The package a Go file declares, or undefined when it has none the go tool
 * would build: no clause, or excluded by an `ignore` build constraint (a
 * `//go:build ignore` generator beside the real package is common).
 */
export function packageClause(source: string): string | undefined {
  let rest = source.slice(0, HEADER_BYTES).replace(/^\uFEFF/, "");
  for (;;) {
    rest = rest.replace(/^\s+/, "");
    if (rest.startsWith("//")) {
      const end = rest.indexOf("\n");
      const line = (end < 0 ? rest : rest.slice(0, end)).trim();
      if (/^\/\/go:build\s+ignore\s*$/.test(line) || /^\/\/\s*\+build\s+ignore\s*$/.test(line)) return undefined;
      if (end < 0) return undefined;
      rest = rest.slice(end + 1);
    } else if (rest.startsWith("/*")) {
      const end = rest.indexOf("*/");
      if (end < 0) return undefined;
      rest = rest.slice(end + 2);
    } else {
      return /^package\s+([\p{L}_][\p{L}\p{Nd}_]*)/u.exec(rest)?.[1];
    }
  }
}

/** Whether the go tool looks in this folder: it skips vendor/, testdata/ and names starting with "." or "_". */
function goLooksIn(dir: string): boolean {
  if (dir === "") return true;
  const parts = dir.split("/");
  return parts[0] !== "vendor" && !parts.some((part) => part === "testdata" || part.startsWith(".") || part.startsWith("_"));
}

/** Whether the go tool builds this file into its folder's package (test files and hidden files are not). */
function isBuiltGoFile(name: string): boolean {
  const base = path.basename(name);
  return base.endsWith(".go") && !base.endsWith("_test.go") && !base.startsWith(".") && !base.startsWith("_");
}

/** The Go layout of a normalised tar (entries under src/). */
export async function goLayout(normalisedTar: Buffer): Promise<GoLayout> {
  const packagesByDir = new Map<string, Map<string, string[]>>();
  const goMods = new Set<string>();
  let rootUnknown = false;
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on("entry", (header, stream, next) => {
      const name = header.name.replace(/^src\/?/, "").replace(/\/+$/, "");
      const dir = path.dirname(name) === "." ? "" : path.dirname(name);
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        if (header.type === "file" && path.basename(name) === "go.mod") goMods.add(dir);
        if (header.type === "symlink" && dir === "" && isBuiltGoFile(name)) rootUnknown = true;
        if (header.type === "file" && goLooksIn(dir) && isBuiltGoFile(name)) {
          const pkg = packageClause(Buffer.concat(chunks).toString("utf8"));
          if (pkg !== undefined) {
            const byPackage = packagesByDir.get(dir) ?? new Map<string, string[]>();
            byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), path.basename(name)]);
            packagesByDir.set(dir, byPackage);
          }
        }
        next();
      });
      stream.on("error", reject);
    });
    reader.on("finish", resolve);
    reader.on("error", reject);
  });
  Readable.from(normalisedTar).pipe(reader);
  await done;
  const mainDirs = [...packagesByDir.entries()]
    .filter(([dir, byPackage]) => dir !== "" && byPackage.has("main"))
    .map(([dir, byPackage]) => ({ dir, files: [...(byPackage.get("main") ?? [])].sort(), hasGoMod: goMods.has(dir) }))
    .sort((a, b) => a.dir.localeCompare(b.dir));
  return { rootPackages: [...(packagesByDir.get("")?.keys() ?? [])].sort(), rootUnknown, mainDirs };
}

/** Most folders named in one message. */
const SHOWN_DIRS = 5;

/**
 * What is wrong with a layout for a build of the archive's root as a main
 * package (`buildCommand`, quoted in the message), with what to upload; or
 * undefined when the root does hold package main, when nothing here can tell
 * (Go's own error stands), or when no Go package is anywhere.
 */
export function misplacedMainPackage(layout: GoLayout, buildCommand: string): string | undefined {
  if (layout.rootUnknown || layout.rootPackages.includes("main")) return undefined;
  const found = layout.mainDirs;
  const rootSays =
    layout.rootPackages.length === 0
      ? "the archive's root has no Go files"
      : `the archive's root holds package ${layout.rootPackages.join(", ")}, not package main`;
  const needs = `we build the root with \`${buildCommand}\`, so package main (with func main) must be at the top of the archive`;
  if (found.length === 0) return layout.rootPackages.length === 0 ? undefined : `${rootSays}: ${needs}.`;
  const where = (d: MainPackageDir) => `${d.dir}/ (${d.files.join(", ")})`;
  if (found.length > 1) {
    const shown = found.slice(0, SHOWN_DIRS).map(where).join("; ") + (found.length > SHOWN_DIRS ? `; and ${found.length - SHOWN_DIRS} more` : "");
    return `${rootSays}; package main was found in ${found.length} folders: ${shown}. ${capitalised(needs)}: keep the node's main package at the root and upload again.`;
  }
  const [only] = found as [MainPackageDir];
  const advice = only.hasGoMod
    ? `${only.dir}/ is a module of its own (it has go.mod): upload that folder's contents, so that its go.mod and main package are at the archive's root (\`labgrade submit COURSE LAB ${only.dir}\`, or \`tar -czf solution.tar.gz -C ${only.dir} .\`).`
    : layout.rootPackages.length === 0
      ? `move the files of ${only.dir}/ to the root of your module, beside go.mod (the packages it imports may stay in their folders), and upload again.`
      : `move the files of ${only.dir}/ to the root of your module, and package ${layout.rootPackages.join(", ")} into a folder of its own that main imports, then upload again.`;
  return `${rootSays}; package main was found in ${where(only)}. ${capitalised(needs)}: ${advice}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
