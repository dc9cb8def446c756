#!/usr/bin/env node
// `npm run check-history`: the checker CLI (cli.ts) compiled into one file
// and run by plain node, because transpiling it with tsx at every start took
// 1.6-16 s for a check that needs milliseconds. Invariant: a compiled checker
// older than its sources never runs. The bundle's manifest holds a hash of
// every one of our source files it was built from (and of package-lock.json
// for the dependencies); each start compares them, and a missing or stale
// bundle is rebuilt first, saying so on standard error.
//
//   node lib/checkers/check-history.mjs FILE [options]   check a history (what the npm script runs)
//   node lib/checkers/check-history.mjs --build          build the bundle and stop (./infra/up)
//
// The bundle lives in build/ (not committed); CHECK_HISTORY_BUILD_DIR puts it
// elsewhere (the tests build their own).
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ENTRY = "lib/checkers/cli.ts";
const BUNDLE = "check-history.mjs";
const MANIFEST = "check-history.manifest.json";
/** Stands for every dependency under node_modules: they change only with it. */
const LOCK_FILE = "package-lock.json";

const hashOf = (file) => createHash("sha256").update(readFileSync(path.join(ROOT, file))).digest("hex");

/** Why the bundle in `buildDir` cannot be run as it is, or null when it is up to date. */
export function staleness(buildDir) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(buildDir, MANIFEST), "utf8"));
  } catch {
    return "it was never built";
  }
  for (const [file, hash] of Object.entries(manifest.inputs ?? {})) {
    let now;
    try {
      now = hashOf(file);
    } catch {
      return `${file} is gone`;
    }
    if (now !== hash) return `${file} changed since it was built`;
  }
  return manifest.entry === ENTRY ? null : "it was built from another entry point";
}

/** Bundles cli.ts with its dependencies into `buildDir`, with the manifest of what went in. */
export async function buildBundle(buildDir) {
  const { build } = await import("esbuild");
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "error",
    legalComments: "none",
    // Smaller to parse at every start.
    minify: true,
    // Dependencies written as CommonJS call require, which an ES module lacks.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  });
  const sources = Object.keys(result.metafile.inputs).filter((file) => !file.split(/[\\/]/).includes("node_modules"));
  const inputs = Object.fromEntries([...sources, LOCK_FILE].map((file) => [file, hashOf(file)]));
  mkdirSync(buildDir, { recursive: true });
  // Written aside and renamed, so a concurrent start never reads half a file.
  const temporary = `.${process.pid}.tmp`;
  writeFileSync(path.join(buildDir, BUNDLE + temporary), result.outputFiles[0].contents);
  renameSync(path.join(buildDir, BUNDLE + temporary), path.join(buildDir, BUNDLE));
  writeFileSync(path.join(buildDir, MANIFEST + temporary), `${JSON.stringify({ entry: ENTRY, inputs }, null, 2)}\n`);
  renameSync(path.join(buildDir, MANIFEST + temporary), path.join(buildDir, MANIFEST));
  return sources.length;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const buildDir = path.resolve(process.env.CHECK_HISTORY_BUILD_DIR ?? path.join(ROOT, "build"));
  const args = process.argv.slice(2);
  if (args.length === 1 && args[0] === "--build") {
    const startedMs = performance.now();
    const count = await buildBundle(buildDir);
    process.stdout.write(`check-history: built ${path.relative(ROOT, path.join(buildDir, BUNDLE)) || BUNDLE} from ${count} source files in ${Math.round(performance.now() - startedMs)} ms\n`);
  } else {
    const stale = staleness(buildDir);
    if (stale !== null) {
      const startedMs = performance.now();
      await buildBundle(buildDir);
      process.stderr.write(`check-history: compiled the checker again (${stale}) in ${Math.round(performance.now() - startedMs)} ms\n`);
    }
    const { main } = await import(pathToFileURL(path.join(buildDir, BUNDLE)).href);
    process.exitCode = main(args, {
      out: (s) => process.stdout.write(`${s}\n`),
      err: (s) => process.stderr.write(`${s}\n`),
      stdin: () => readFileSync(0, "utf8"),
    });
  }
}
