// Packs a built-in reference solution into the archive a student would
// upload. Our Go references share one small library, labgrade.dev/maelstrom
// (lib/labs/go-maelstrom), which lives once in the repository: a reference
// whose go.mod requires it gets it vendored into its archive here, as an
// overlay (lib/archive.ts withOverlay; the build step lays a lab's harness
// over a student's source the same way): vendor/labgrade.dev/maelstrom/*.go
// and vendor/modules.txt, so every
// archive builds in the network-less build container like any vendored
// submission. Invariant: the archive is self-contained.
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { directoryEntries, packEntries, withOverlay, type PackEntry } from "../archive.js";

export const GO_MAELSTROM_MODULE = "labgrade.dev/maelstrom";
/** The shared package's source: a Go module of its own (go.mod, *.go, tests). */
export const GO_MAELSTROM_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "go-maelstrom");

/** The reference's folder as a .tar.gz, with labgrade.dev/maelstrom vendored if its go.mod requires it. */
export async function packReferenceSolution(dir: string): Promise<Buffer> {
  const entries = await directoryEntries(dir);
  const goMod = entries.find((e) => e.path === "go.mod");
  const version = goMod?.type === "file" ? requiredVersion(goMod.content.toString("utf8"), GO_MAELSTROM_MODULE) : undefined;
  if (version) {
    if (entries.some((e) => e.path === "vendor")) {
      throw new Error(`${dir} has a vendor folder of its own; vendoring ${GO_MAELSTROM_MODULE} next to it is not supported`);
    }
    return packEntries(withOverlay(entries, await vendoredMaelstrom(version)));
  }
  return packEntries(entries);
}

/** The version of `module` a go.mod requires (single-line or block form), if any. */
export function requiredVersion(goMod: string, module: string): string | undefined {
  const escaped = module.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod);
  return match?.[1];
}

/** vendor/ as `go mod vendor` would write it for our package alone. */
async function vendoredMaelstrom(version: string): Promise<PackEntry[]> {
  const goMod = await readFile(path.join(GO_MAELSTROM_DIR, "go.mod"), "utf8");
  const goVersion = /^go\s+(\S+)/m.exec(goMod)?.[1];
  if (!goVersion) throw new Error(`${GO_MAELSTROM_DIR}/go.mod names no Go version`);
  const sources = (await readdir(GO_MAELSTROM_DIR)).filter((name) => name.endsWith(".go") && !name.endsWith("_test.go")).sort();
  const packageDir = `vendor/${GO_MAELSTROM_MODULE}`;
  const parts = packageDir.split("/");
  const entries: PackEntry[] = parts.map((_, i) => ({ path: parts.slice(0, i + 1).join("/"), type: "directory" as const }));
  for (const name of sources) {
    entries.push({ path: `${packageDir}/${name}`, type: "file", mode: 0o644, content: await readFile(path.join(GO_MAELSTROM_DIR, name)) });
  }
  // Since Go 1.17 every requirement is marked explicit and carries its module's
  // Go version; the go command checks this file against go.mod.
  const modulesTxt = [`# ${GO_MAELSTROM_MODULE} ${version}`, `## explicit; go ${goVersion}`, GO_MAELSTROM_MODULE, ""].join("\n");
  entries.push({ path: "vendor/modules.txt", type: "file", mode: 0o644, content: Buffer.from(modulesTxt) });
  return entries;
}
