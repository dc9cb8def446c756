#!/usr/bin/env node
// infra/prisma-diff/schema-sql.mjs: prints to stdout the SQL Prisma generates
// to go from one schema.prisma to another (or from an empty database).
//
// Owns: running Prisma 6.19's WebAssembly schema engine offline. Prisma 7's
// migrate engine is a native binary downloaded at first use, which these
// machines cannot reach; Prisma 6 with a driver adapter (prisma.config.mjs
// beside this file) diffs schemas with no native engine at all. This script
// hides the three quirks that needs:
//   - Prisma 6 insists on `url = env("DATABASE_URL")` in the datasource block,
//     which Prisma 7 forbids. The schema is copied to a temporary folder with
//     the datasource block moved into a file of its own that has the url; the
//     copy keeps every other line where it was, so Prisma's error messages are
//     rewritten to point at the real file and line.
//   - The engine environment variables must name an existing file, which is
//     never run for a diff.
//   - The adapter connects to DATABASE_URL: any reachable PostgreSQL database
//     will do. Prisma only reads from it (one SELECT on pg_namespace).
// It installs its own pinned dependencies (package-lock.json) on first use.
//
// Usage:
//   DATABASE_URL=postgresql://... node infra/prisma-diff/schema-sql.mjs --from-empty --to prisma/schema.prisma
//   DATABASE_URL=postgresql://... node infra/prisma-diff/schema-sql.mjs --from old.prisma --to prisma/schema.prisma
// --from/--to accept a schema file or a folder of .prisma files.
// Output: the SQL exactly as Prisma prints it ("-- This is an empty migration."
// when nothing changes). Exit codes: 0 ok, 1 failure, 2 wrong usage.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const PRISMA_CLI = path.join(HERE, "node_modules", "prisma", "build", "index.js");
const REQUIRED = [
  PRISMA_CLI,
  path.join(HERE, "node_modules", "@prisma", "adapter-pg", "package.json"),
  path.join(HERE, "node_modules", "pg", "package.json"),
];
const USAGE = `usage:
  DATABASE_URL=postgresql://user:pass@host:port/db node infra/prisma-diff/schema-sql.mjs --from-empty --to <schema.prisma>
  DATABASE_URL=postgresql://user:pass@host:port/db node infra/prisma-diff/schema-sql.mjs --from <old schema.prisma> --to <new schema.prisma>
DATABASE_URL may name any reachable PostgreSQL database; Prisma only reads from it.`;

class Failure extends Error {
  /** @param {string} message @param {number} [exitCode] */
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ fromEmpty: boolean, from: string | undefined, to: string | undefined }} */
  const args = { fromEmpty: false, from: undefined, to: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Failure(`${arg} needs a path\n${USAGE}`, 2);
      return v;
    };
    if (arg === "--from-empty") args.fromEmpty = true;
    else if (arg === "--from") args.from = value();
    else if (arg === "--to") args.to = value();
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Failure(`unknown argument: ${arg}\n${USAGE}`, 2);
  }
  if (args.to === undefined) throw new Failure(`--to is required\n${USAGE}`, 2);
  if (args.fromEmpty === (args.from !== undefined)) {
    throw new Failure(`give exactly one of --from-empty and --from\n${USAGE}`, 2);
  }
  return args;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Installs the pinned dependencies when missing; several processes may race here. */
function ensureDependencies() {
  const missing = () => REQUIRED.some((f) => !fs.existsSync(f));
  if (!missing()) return;
  const lock = path.join(HERE, ".install-lock");
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== "EEXIST") throw err;
      // Another process is installing. Take over a lock left by a crashed one.
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 10 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        // The other process just finished; try again.
      }
      if (Date.now() > deadline) throw new Failure(`timed out waiting for ${lock}; remove it if no install is running`);
      sleep(250);
    }
  }
  try {
    if (!missing()) return;
    process.stderr.write("schema-sql: installing infra/prisma-diff dependencies (npm ci, first use only)...\n");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const res = spawnSync(npm, ["ci", "--prefix", HERE, "--no-audit", "--no-fund"], {
      stdio: ["ignore", process.stderr, process.stderr],
    });
    if (res.error || res.status !== 0) {
      throw new Failure(
        `could not install infra/prisma-diff's dependencies (npm ci ${res.error ? `failed: ${res.error.message}` : `exited with ${res.status}`}).\n` +
          `Check that the npm registry is reachable, then run: npm ci --prefix infra/prisma-diff --no-audit --no-fund`,
      );
    }
    if (missing()) {
      throw new Failure(`npm ci finished but ${REQUIRED.find((f) => !fs.existsSync(f))} is still missing; delete infra/prisma-diff/node_modules and retry`);
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Fails with a clear message unless DATABASE_URL names a reachable PostgreSQL database. */
async function checkDatabaseUrl() {
  const raw = process.env.DATABASE_URL;
  if (!raw) {
    throw new Failure(
      "DATABASE_URL is not set. Point it at any reachable PostgreSQL database (Prisma only reads from it), e.g.\n" +
        "  DATABASE_URL=postgresql://labgrade:labgrade@127.0.0.1:5432/postgres",
    );
  }
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new Failure("DATABASE_URL is not a URL; expected postgresql://user:password@host:port/database");
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
    throw new Failure(`DATABASE_URL must start with postgresql:// (got ${url.protocol}//...)`);
  }
  const pg = (await import(pathToFileURL(path.join(HERE, "node_modules", "pg", "lib", "index.js")).href)).default;
  const client = new pg.Client({ connectionString: raw, connectionTimeoutMillis: 10_000 });
  const where = `${url.hostname}:${url.port || "5432"}${url.pathname}`;
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (err) {
    throw new Failure(
      `cannot connect to the database in DATABASE_URL (${where}): ${err instanceof Error ? err.message : String(err)}\n` +
        "Prisma needs any reachable PostgreSQL database to diff schemas; start PostgreSQL or fix DATABASE_URL.",
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Copies a schema (file or folder) into `dest`, moving its datasource block to a
 * file of its own with `url = env("DATABASE_URL")` and blanking the block's lines
 * in the copy so every other line keeps its number.
 * @param {string} source @param {string} dest
 */
function copySchemaWithUrl(source, dest) {
  if (!fs.existsSync(source)) throw new Failure(`schema not found: ${source}`);
  const files = fs.statSync(source).isDirectory()
    ? fs.readdirSync(source, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".prisma")).map((f) => [path.join(source, f), f])
    : [[source, path.basename(source)]];
  if (files.length === 0) throw new Failure(`no .prisma files in ${source}`);
  fs.mkdirSync(dest, { recursive: true });
  let datasources = 0;
  for (const [from, rel] of files) {
    const lines = fs.readFileSync(from, "utf8").split("\n");
    const start = lines.findIndex((l) => /^\s*datasource\s+\w+\s*\{/.test(l));
    if (start >= 0) {
      datasources++;
      let end = start;
      while (end < lines.length && !/^\s*\}/.test(lines[end])) end++;
      if (end === lines.length) throw new Failure(`${from}:${start + 1}: datasource block has no closing brace`);
      const block = lines.slice(start, end + 1);
      if (!block.some((l) => /^\s*url\s*=/.test(l))) block.splice(block.length - 1, 0, '  url = env("DATABASE_URL")');
      fs.writeFileSync(path.join(dest, "__prisma_diff_datasource.prisma"), `${block.join("\n")}\n`);
      for (let i = start; i <= end; i++) lines[i] = "";
    }
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    fs.writeFileSync(path.join(dest, rel), lines.join("\n"));
  }
  if (datasources !== 1) throw new Failure(`${source}: expected one datasource block, found ${datasources}`);
  return { dir: dest, files };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  ensureDependencies();
  await checkDatabaseUrl();

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "labgrade-prisma-diff-"));
  try {
    /** @type {Array<[string, string]>} temp path -> original path, for error messages */
    const rewrites = [];
    const prismaArgs = ["migrate", "diff", "--config", path.join(HERE, "prisma.config.mjs")];
    /** @param {string} which @param {string} schema */
    const addSchema = (which, schema) => {
      const abs = path.resolve(schema);
      const copy = copySchemaWithUrl(abs, path.join(tmp, which));
      for (const [orig, rel] of copy.files) rewrites.push([path.join(copy.dir, rel), orig]);
      prismaArgs.push(`--${which}-schema-datamodel`, copy.dir);
    };
    if (args.fromEmpty) prismaArgs.push("--from-empty");
    else addSchema("from", /** @type {string} */ (args.from));
    addSchema("to", /** @type {string} */ (args.to));
    prismaArgs.push("--script");

    const res = spawnSync(process.execPath, [PRISMA_CLI, ...prismaArgs], {
      cwd: HERE,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      env: {
        ...process.env,
        // Must name an existing file; neither engine is run for a diff.
        PRISMA_QUERY_ENGINE_LIBRARY: SELF,
        PRISMA_SCHEMA_ENGINE_BINARY: SELF,
        CHECKPOINT_DISABLE: "1",
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
        PRISMA_HIDE_PREVIEW_FLAG_WARNINGS: "1",
      },
    });
    if (res.error) throw new Failure(`could not run Prisma: ${res.error.message}`);
    if (res.status !== 0) {
      let detail = `${res.stderr}\n${res.stdout}`.replace(/^Loaded Prisma config from .*$/m, "").trim();
      for (const [copy, orig] of rewrites) {
        const rel = path.relative(process.cwd(), orig);
        detail = detail.split(copy).join(rel && !rel.startsWith("..") ? rel : orig);
      }
      detail = detail.split(path.join(tmp, "from", "__prisma_diff_datasource.prisma")).join("(datasource block of --from)");
      detail = detail.split(path.join(tmp, "to", "__prisma_diff_datasource.prisma")).join("(datasource block of --to)");
      throw new Failure(`Prisma could not produce the SQL (exit ${res.status}):\n${detail}`);
    }
    process.stdout.write(res.stdout);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  if (err instanceof Failure) {
    process.stderr.write(`schema-sql: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`schema-sql: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
