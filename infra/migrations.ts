// infra/migrations.ts: applies prisma/migrations/*/migration.sql to a database.
//
// Owns: bringing a PostgreSQL database up to the committed migrations, on any
// machine, without Prisma's migrate engine (a native binary that cannot be
// downloaded here). It keeps Prisma's own bookkeeping table, `_prisma_migrations`,
// exactly as `prisma migrate deploy` does (same columns, sha256 checksums of the
// files, same advisory lock key), so a host that does have the engine sees these
// migrations as applied, and the two never run at the same time.
//
// Behaviour:
// - Migrations are the folders of prisma/migrations, applied in name order.
// - A session-level advisory lock serialises concurrent runners (runners and web
//   processes may all migrate at start-up): the second waits, then finds nothing
//   to do.
// - Each pending migration runs in its own transaction together with its
//   `_prisma_migrations` row, so a failing migration leaves no trace and can be
//   fixed and re-run.
// - It refuses to run when an applied migration's file was edited afterwards, or
//   when `_prisma_migrations` records a failed migration (finished_at null and
//   not rolled back, e.g. left by `prisma migrate deploy` elsewhere).
// Used by infra/migrate.ts (the CLI) and tests/support/databases.ts.
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client, DatabaseError } from "pg";

/** The repository's prisma/migrations folder. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations/", import.meta.url));

/** The key Prisma's schema engine locks while migrating PostgreSQL; sharing it
 * keeps this runner and `prisma migrate deploy` from running at once. */
const MIGRATION_LOCK_KEY = 72707369;

/** The table as Prisma's schema engine creates it for PostgreSQL. */
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

export interface MigrationFile {
  /** Folder name, e.g. "20261123000000_init"; Prisma's migration_name. */
  name: string;
  /** Absolute path of migration.sql. */
  file: string;
  sql: string;
  /** sha256 hex of the file, as Prisma stores it. */
  checksum: string;
}

export interface ApplyResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Migrations that were already applied before this call. */
  alreadyApplied: string[];
}

export interface ApplyOptions {
  /** Folder holding the migration folders; defaults to the repository's prisma/migrations. */
  migrationsDir?: string;
}

/** An error a person can act on; its message says what is wrong and what to do. */
export class MigrationError extends Error {
  override name = "MigrationError";
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Prisma accepts a file whose checksum matches with either line-ending style. */
function matchesChecksum(sql: string, checksum: string): boolean {
  return [sql, sql.replaceAll("\r\n", "\n"), sql.replaceAll("\r\n", "\n").replaceAll("\n", "\r\n")].some(
    (variant) => sha256(variant) === checksum,
  );
}

/** Reads the migration folders in name order. */
export function readMigrations(migrationsDir: string = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  let entries: string[];
  try {
    entries = readdirSync(migrationsDir);
  } catch (err) {
    throw new MigrationError(`cannot read the migrations folder ${migrationsDir}: ${errorText(err)}`);
  }
  const names = entries.filter((e) => statSync(path.join(migrationsDir, e)).isDirectory()).sort(compareNames);
  return names.map((name) => {
    const file = path.join(migrationsDir, name, "migration.sql");
    let sql: string;
    try {
      sql = readFileSync(file, "utf8");
    } catch (err) {
      throw new MigrationError(
        `migration folder ${name} has no readable migration.sql (${errorText(err)}); add the file or remove the folder`,
      );
    }
    return { name, file, sql, checksum: sha256(sql) };
  });
}

/** One checksum over every migration's name and content: changes whenever any migration does. */
export function migrationsFingerprint(migrations: MigrationFile[]): string {
  return sha256(migrations.map((m) => `${m.name}\t${m.checksum}\n`).join(""));
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** pg ignores Prisma's `?schema=` parameter; honour it with search_path as Prisma does. */
function splitSchemaParam(databaseUrl: string): { connectionString: string; schema: string | undefined } {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new MigrationError("the database URL is not a URL; expected postgresql://user:password@host:port/database");
  }
  const schema = url.searchParams.get("schema") ?? undefined;
  url.searchParams.delete("schema");
  return { connectionString: url.toString(), schema };
}

/** "line N" for a PostgreSQL error position (1-based character offset) in `sql`. */
function describePosition(sql: string, err: unknown): string {
  if (!(err instanceof DatabaseError) || err.position === undefined) return "";
  const offset = Number(err.position) - 1;
  if (!Number.isFinite(offset) || offset < 0) return "";
  const line = sql.slice(0, offset).split("\n").length;
  return ` at line ${line}`;
}

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/**
 * Applies every pending migration to the database at `databaseUrl`.
 * `log` receives one line per applied migration and the occasional notice
 * (waiting for the lock, a migration applied elsewhere but unknown here).
 */
export async function applyMigrations(
  databaseUrl: string,
  log: (line: string) => void = () => {},
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const migrations = readMigrations(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const { connectionString, schema } = splitSchemaParam(databaseUrl);
  const client = new Client({ connectionString, application_name: "labgrade-migrate" });
  // A connection dropped while idle must not crash the process; the next query reports it.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new MigrationError(`cannot connect to the database: ${errorText(err)}`);
  }
  try {
    if (schema !== undefined) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(schema)}`);
      await client.query(`SET search_path TO ${client.escapeIdentifier(schema)}`);
    }
    const locked = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
      MIGRATION_LOCK_KEY,
    ]);
    if (locked.rows[0]?.locked !== true) {
      log(`waiting for another migration run to finish (advisory lock ${MIGRATION_LOCK_KEY})`);
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    }
    try {
      return await applyLocked(client, migrations, log);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}

async function applyLocked(
  client: Client,
  migrations: MigrationFile[],
  log: (line: string) => void,
): Promise<ApplyResult> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  const { rows } = await client.query<MigrationRow>(
    `SELECT id, checksum, migration_name, finished_at, rolled_back_at, logs
       FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );

  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed.length > 0) {
    const names = failed.map((r) => r.migration_name).join(", ");
    const logs = failed.map((r) => (r.logs ? `\n--- ${r.migration_name}:\n${r.logs.trim()}` : "")).join("");
    throw new MigrationError(
      `migration ${names} failed earlier on this database (_prisma_migrations has finished_at null and rolled_back_at null); ` +
        `no migration is applied until that is resolved. Check what it left behind, then either undo it and mark it rolled back ` +
        `(prisma migrate resolve --rolled-back <name>, or UPDATE _prisma_migrations SET rolled_back_at = now() WHERE id = '<id>') ` +
        `or finish it by hand and mark it applied (prisma migrate resolve --applied <name>).${logs}`,
    );
  }

  const appliedRows = new Map<string, MigrationRow>();
  for (const r of rows) if (r.finished_at !== null && r.rolled_back_at === null) appliedRows.set(r.migration_name, r);

  const known = new Set(migrations.map((m) => m.name));
  for (const name of appliedRows.keys()) {
    if (!known.has(name)) {
      log(`note: ${name} is applied to this database but has no folder in prisma/migrations (newer code ran here?)`);
    }
  }

  const alreadyApplied: string[] = [];
  const pending: MigrationFile[] = [];
  for (const m of migrations) {
    const row = appliedRows.get(m.name);
    if (row === undefined) {
      pending.push(m);
      continue;
    }
    if (!matchesChecksum(m.sql, row.checksum)) {
      throw new MigrationError(
        `migration ${m.name} was edited after it was applied to this database: ${m.file} has sha256 ${m.checksum}, ` +
          `_prisma_migrations recorded ${row.checksum}. Applied migrations must not change; restore the file ` +
          `(git checkout -- ${path.relative(process.cwd(), m.file) || m.file}) and put the change in a new migration (infra/new-migration NAME).`,
      );
    }
    alreadyApplied.push(m.name);
  }

  const applied: string[] = [];
  for (const m of pending) {
    const started = Date.now();
    await client.query("BEGIN");
    try {
      const id = randomUUID();
      await client.query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), 0)`,
        [id, m.checksum, m.name],
      );
      // No parameters: the simple query protocol runs the file's many statements.
      await client.query(m.sql);
      await client.query(
        `UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
        [id],
      );
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw new MigrationError(
        `migration ${m.name} failed${describePosition(m.sql, err)} and was rolled back (nothing of it is applied): ` +
          `${errorText(err)}\n  file: ${m.file}` +
          (applied.length > 0 ? `\n  applied before the failure: ${applied.join(", ")}` : ""),
      );
    }
    applied.push(m.name);
    log(`applied ${m.name} (${Date.now() - started} ms)`);
  }
  return { applied, alreadyApplied };
}
