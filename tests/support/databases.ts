// tests/support/databases.ts: throwaway PostgreSQL databases for integration tests.
//
// Owns: creating and dropping scratch databases, and the migrated template they
// are cloned from.
// - createScratchDatabase(label): an empty database `labgrade_test_<label>_<random>`.
// - createMigratedDatabase(label): the same, cloned from `labgrade_test_template`,
//   which holds every migration of prisma/migrations (applied by
//   infra/migrations.ts). Cloning takes a fraction of the time of migrating. The
//   template is rebuilt when missing or when the migrations changed: it carries
//   their combined checksum as its COMMENT ON DATABASE. An advisory lock makes
//   test files running in parallel build it once and never clone it mid-build.
// Everything connects as the admin in LABGRADE_TEST_ADMIN_URL (a role allowed to
// create databases), default postgresql://labgrade:labgrade@127.0.0.1:5432/postgres.
// Call drop() when done (in a finally or afterAll); it is idempotent.
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { applyMigrations, migrationsFingerprint, readMigrations } from "../../infra/migrations.js";

export const ADMIN_URL =
  process.env.LABGRADE_TEST_ADMIN_URL ?? "postgresql://labgrade:labgrade@127.0.0.1:5432/postgres";
export const TEMPLATE_DATABASE = "labgrade_test_template";
/** Advisory lock key guarding the template (arbitrary; distinct from the migration lock). */
const TEMPLATE_LOCK_KEY = 7_210_611_317;
const TEMPLATE_COMMENT_PREFIX = "labgrade migrations sha256:";
/** PostgreSQL truncates identifiers longer than this. */
const MAX_NAME_LENGTH = 63;

export interface ScratchDatabase {
  /** Connection URL for the new database (same credentials as the admin URL). */
  url: string;
  name: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** The admin URL pointed at another database. */
export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: ADMIN_URL, application_name: "labgrade-tests" });
  admin.on("error", () => {});
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `cannot connect to PostgreSQL as the test admin (${describe(ADMIN_URL)}): ${err instanceof Error ? err.message : String(err)}. ` +
        "Start PostgreSQL or set LABGRADE_TEST_ADMIN_URL to a role that may create databases.",
    );
  }
  try {
    return await fn(admin);
  } finally {
    await admin.end().catch(() => {});
  }
}

function describe(raw: string): string {
  const url = new URL(raw);
  return `${url.username}@${url.hostname}:${url.port || "5432"}${url.pathname}`;
}

function scratchName(label: string): string {
  const suffix = randomBytes(4).toString("hex");
  const prefix = "labgrade_test_";
  const room = MAX_NAME_LENGTH - prefix.length - suffix.length - 1;
  const clean =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, room)
      .replace(/_+$/, "") || "db";
  return `${prefix}${clean}_${suffix}`;
}

function scratch(name: string): ScratchDatabase {
  return {
    name,
    url: databaseUrl(name),
    drop: () => dropDatabase(name),
  };
}

async function dropDatabase(name: string): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  });
}

/** An empty database, `labgrade_test_<label>_<random>`. */
export async function createScratchDatabase(label: string): Promise<ScratchDatabase> {
  const name = scratchName(label);
  await withAdmin(async (admin) => {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  });
  return scratch(name);
}

/** A database with every migration applied, cloned from the (re)built template. */
export async function createMigratedDatabase(label: string): Promise<ScratchDatabase> {
  const name = scratchName(label);
  const fingerprint = `${TEMPLATE_COMMENT_PREFIX}${migrationsFingerprint(readMigrations())}`;
  await withAdmin(async (admin) => {
    // Held while checking, building and cloning: the template never changes under a clone.
    await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK_KEY]);
    try {
      await ensureTemplate(admin, fingerprint);
      await admin.query(
        `CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${admin.escapeIdentifier(TEMPLATE_DATABASE)}`,
      );
    } finally {
      await admin.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK_KEY]).catch(() => {});
    }
  });
  return scratch(name);
}

async function ensureTemplate(admin: Client, fingerprint: string): Promise<void> {
  const existing = await admin.query<{ comment: string | null }>(
    "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
    [TEMPLATE_DATABASE],
  );
  const row = existing.rows[0];
  if (row !== undefined && row.comment === fingerprint) return;

  const template = admin.escapeIdentifier(TEMPLATE_DATABASE);
  await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${template}`);
  try {
    await applyMigrations(databaseUrl(TEMPLATE_DATABASE));
  } catch (err) {
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
    throw err;
  }
  // Written last: a template whose build was interrupted has no comment and is rebuilt.
  await admin.query(`COMMENT ON DATABASE ${template} IS ${admin.escapeLiteral(fingerprint)}`);
}
