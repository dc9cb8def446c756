// tests/integration/schema-matches-migrations.test.ts
//
// Owns: the guarantee that prisma/migrations and prisma/schema.prisma agree, and
// that infra/migrations.ts applies migrations safely:
// - a database built by the migrations has exactly the schema Prisma generates
//   from schema.prisma now, plus prisma/constraints.sql (the CHECKs Prisma cannot
//   express), compared as normalised pg_dump output, ignoring the order of
//   columns within a table, as Prisma does;
// - applying twice applies nothing the second time;
// - an applied migration whose file was edited is refused, and so is a database
//   recording a failed migration; a failing migration is rolled back whole.
// Needs PostgreSQL (tests/support/databases.ts) and pg_dump on PATH.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, appendFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Client } from "pg";
import { describe, it, expect } from "vitest";
import { applyMigrations, DEFAULT_MIGRATIONS_DIR, readMigrations } from "../../infra/migrations.js";
import { createMigratedDatabase, createScratchDatabase, type ScratchDatabase } from "../support/databases.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TIMEOUT = 60_000;
/** The first run on a clean clone installs infra/prisma-diff's dependencies. */
const TIMEOUT_WITH_INSTALL = 180_000;

async function withDatabases<T>(dbs: ScratchDatabase[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await Promise.all(dbs.map((db) => db.drop()));
  }
}

async function query<T extends Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The SQL Prisma 6's engine generates for schema.prisma from an empty database. */
async function prismaSql(databaseUrl: string): Promise<string> {
  try {
    const { stdout } = await run(
      process.execPath,
      [path.join(ROOT, "infra/prisma-diff/schema-sql.mjs"), "--from-empty", "--to", path.join(ROOT, "prisma/schema.prisma")],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl }, maxBuffer: 64 * 1024 * 1024 },
    );
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new Error(`infra/prisma-diff/schema-sql.mjs failed:\n${stderr || String(err)}`);
  }
}

/** pg_dump's schema of `url` without Prisma's bookkeeping table, as sorted statements. */
async function normalisedSchema(url: string): Promise<string> {
  let dump: string;
  try {
    ({ stdout: dump } = await run(
      "pg_dump",
      ["--schema-only", "--no-owner", "--no-privileges", "--exclude-table=_prisma_migrations", `--dbname=${url}`],
      { maxBuffer: 64 * 1024 * 1024 },
    ));
  } catch (err) {
    throw new Error(`pg_dump failed (is it installed and the same major version as the server?): ${String(err)}`);
  }
  const lines = dump
    .split("\n")
    .map((l) => l.trimEnd())
    .filter(
      (l) =>
        l !== "" &&
        !l.startsWith("--") &&
        !l.startsWith("SET ") &&
        !l.startsWith("SELECT pg_catalog.set_config(") &&
        // pg_dump 15.14+ brackets the dump with a random \restrict key.
        !l.startsWith("\\restrict ") &&
        !l.startsWith("\\unrestrict "),
    );
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    current.push(line);
    if (line.endsWith(";")) {
      statements.push(current.join("\n"));
      current = [];
    }
  }
  if (current.length > 0) statements.push(current.join("\n"));
  return statements.map(sortColumns).sort().join("\n\n");
}

/**
 * Sorts the column lines of a CREATE TABLE. A column added by a later migration
 * comes last in the table, while Prisma's SQL from empty puts it where the model
 * declares it; Prisma itself ignores column order, and so does this comparison.
 */
function sortColumns(statement: string): string {
  const lines = statement.split("\n");
  const first = lines[0];
  if (first === undefined || !first.startsWith("CREATE TABLE ") || !first.endsWith("(")) return statement;
  const close = lines.findLastIndex((l) => l.startsWith(")"));
  if (close < 1) return statement;
  const columns = lines
    .slice(1, close)
    .map((l) => l.replace(/,$/, ""))
    .sort();
  return [first, ...columns.map((c, i) => (i < columns.length - 1 ? `${c},` : c)), ...lines.slice(close)].join("\n");
}

function explainMismatch(migrated: string, prisma: string): string {
  const a = new Set(migrated.split("\n\n"));
  const b = new Set(prisma.split("\n\n"));
  const onlyMigrated = [...a].filter((s) => !b.has(s));
  const onlyPrisma = [...b].filter((s) => !a.has(s));
  return [
    "prisma/migrations does not produce the schema in prisma/schema.prisma.",
    "If you changed schema.prisma, add a migration: infra/new-migration <name> (then review and commit it).",
    "If you edited a migration by hand, make it match schema.prisma.",
    "",
    `Only in the database built by prisma/migrations (${onlyMigrated.length}):`,
    ...onlyMigrated.map((s) => `  ${s.replaceAll("\n", "\n  ")}`),
    "",
    `Only in the database built from schema.prisma's SQL (${onlyPrisma.length}):`,
    ...onlyPrisma.map((s) => `  ${s.replaceAll("\n", "\n  ")}`),
  ].join("\n");
}

/** A copy of prisma/migrations the test may edit. */
function copyMigrations(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "labgrade-migrations-"));
  cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

describe("prisma/migrations", () => {
  it(
    "builds exactly the schema Prisma generates from prisma/schema.prisma",
    async () => {
      const migrated = await createMigratedDatabase("schema_migrated");
      const fromSchema = await createScratchDatabase("schema_prisma");
      await withDatabases([migrated, fromSchema], async () => {
        const sql = `${await prismaSql(fromSchema.url)}\n${readFileSync(path.join(ROOT, "prisma/constraints.sql"), "utf8")}`;
        const client = new Client({ connectionString: fromSchema.url });
        await client.connect();
        try {
          await client.query(sql);
        } finally {
          await client.end();
        }

        const [fromMigrations, fromPrisma] = await Promise.all([
          normalisedSchema(migrated.url),
          normalisedSchema(fromSchema.url),
        ]);
        expect(fromMigrations.length).toBeGreaterThan(0);
        expect(fromMigrations, explainMismatch(fromMigrations, fromPrisma)).toBe(fromPrisma);
      });
    },
    TIMEOUT_WITH_INSTALL,
  );
});

describe("applyMigrations", () => {
  it(
    "applies every migration once; a second run applies nothing",
    async () => {
      const names = readMigrations().map((m) => m.name);
      expect(names.length).toBeGreaterThan(0);
      const db = await createScratchDatabase("apply_twice");
      await withDatabases([db], async () => {
        const lines: string[] = [];
        const first = await applyMigrations(db.url, (l) => lines.push(l));
        expect(first).toEqual({ applied: names, alreadyApplied: [] });
        expect(lines).toHaveLength(names.length);

        const second = await applyMigrations(db.url);
        expect(second).toEqual({ applied: [], alreadyApplied: names });

        const rows = await query<{ migration_name: string; finished: boolean; applied_steps_count: number }>(
          db.url,
          "SELECT migration_name, finished_at IS NOT NULL AS finished, applied_steps_count FROM _prisma_migrations ORDER BY migration_name",
        );
        expect(rows).toEqual(names.map((n) => ({ migration_name: n, finished: true, applied_steps_count: 1 })));
      });
    },
    TIMEOUT,
  );

  it(
    "finds nothing to do on a database cloned from the migrated template",
    async () => {
      const db = await createMigratedDatabase("apply_template");
      await withDatabases([db], async () => {
        const result = await applyMigrations(db.url);
        expect(result.applied).toEqual([]);
        expect(result.alreadyApplied).toEqual(readMigrations().map((m) => m.name));
      });
    },
    TIMEOUT,
  );

  it(
    "refuses a migration edited after it was applied, naming it, and applies nothing",
    async () => {
      const dir = copyMigrations();
      const db = await createScratchDatabase("apply_edited");
      try {
        await withDatabases([db], async () => {
          await applyMigrations(db.url, undefined, { migrationsDir: dir });
          const [first] = readMigrations(dir);
          if (first === undefined) throw new Error("no migrations");
          appendFileSync(path.join(dir, first.name, "migration.sql"), "\n-- edited after it was applied\n");
          // A pending migration that must not run while the history is inconsistent.
          mkdirSync(path.join(dir, "99991231235959_later"));
          writeFileSync(path.join(dir, "99991231235959_later", "migration.sql"), 'CREATE TABLE "MustNotExist" (id INTEGER);\n');

          await expect(applyMigrations(db.url, undefined, { migrationsDir: dir })).rejects.toThrow(
            new RegExp(`migration ${first.name} was edited after it was applied`),
          );
          const tables = await query(db.url, "SELECT 1 FROM pg_tables WHERE tablename = 'MustNotExist'");
          expect(tables).toEqual([]);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    TIMEOUT,
  );

  it(
    "refuses a database that records a failed migration",
    async () => {
      const db = await createMigratedDatabase("apply_failed_row");
      await withDatabases([db], async () => {
        await query(
          db.url,
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs)
           VALUES ('00000000-0000-0000-0000-000000000001', repeat('0', 64), '20000101000000_broken', 'boom')`,
        );
        await expect(applyMigrations(db.url)).rejects.toThrow(/migration 20000101000000_broken failed earlier/);
      });
    },
    TIMEOUT,
  );

  it(
    "rolls a failing migration back whole and records nothing, so it can be fixed and re-run",
    async () => {
      const dir = copyMigrations();
      const db = await createScratchDatabase("apply_failing");
      try {
        await withDatabases([db], async () => {
          const bad = "99991231235959_bad";
          mkdirSync(path.join(dir, bad));
          writeFileSync(path.join(dir, bad, "migration.sql"), 'CREATE TABLE "Partial" (id INTEGER);\n\nSELEC 1;\n');
          await expect(applyMigrations(db.url, undefined, { migrationsDir: dir })).rejects.toThrow(
            new RegExp(`migration ${bad} failed at line 3 and was rolled back`),
          );
          expect(await query(db.url, "SELECT 1 FROM pg_tables WHERE tablename = 'Partial'")).toEqual([]);
          const rows = await query<{ migration_name: string }>(db.url, "SELECT migration_name FROM _prisma_migrations");
          expect(rows.map((r) => r.migration_name)).not.toContain(bad);

          writeFileSync(path.join(dir, bad, "migration.sql"), 'CREATE TABLE "Partial" (id INTEGER);\n');
          const retry = await applyMigrations(db.url, undefined, { migrationsDir: dir });
          expect(retry.applied).toEqual([bad]);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    TIMEOUT,
  );
});
