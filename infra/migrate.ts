// infra/migrate.ts: CLI that brings the database in DATABASE_URL up to the
// committed migrations (`npm run db:migrate`, i.e. `tsx infra/migrate.ts`).
//
// Owns: the command-line face of infra/migrations.ts: reading and checking
// DATABASE_URL, printing one line per migration applied (or "database schema is
// up to date"), and turning failures into a message and exit code 1.
import { applyMigrations, MigrationError } from "./migrations.js";

function fail(message: string): never {
  process.stderr.write(`migrate: ${message}\n`);
  process.exit(1);
}

/** Returns DATABASE_URL if it looks like a PostgreSQL URL, or exits with a message saying what is wrong. */
function databaseUrlFromEnv(): string {
  const example = "postgresql://labgrade:labgrade@127.0.0.1:5432/labgrade";
  const raw = process.env.DATABASE_URL;
  if (raw === undefined || raw.trim() === "") fail(`DATABASE_URL is not set; e.g. DATABASE_URL=${example}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail(`DATABASE_URL is not a valid URL; expected something like ${example}`);
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
    fail(`DATABASE_URL must start with postgresql:// (it starts with ${url.protocol}//)`);
  }
  if (url.hostname === "" && !url.searchParams.has("host")) fail(`DATABASE_URL has no host; expected something like ${example}`);
  if (url.pathname.replace(/^\//, "") === "") fail(`DATABASE_URL names no database; expected something like ${example}`);
  return raw;
}

/** host:port/database, without the password, for messages. */
function describe(raw: string): string {
  const url = new URL(raw);
  return `${url.hostname}:${url.port || "5432"}${url.pathname}`;
}

async function main(): Promise<void> {
  const databaseUrl = databaseUrlFromEnv();
  try {
    const result = await applyMigrations(databaseUrl, (line) => process.stdout.write(`${line}\n`));
    if (result.applied.length === 0) process.stdout.write("database schema is up to date\n");
  } catch (err) {
    if (err instanceof MigrationError) fail(`${describe(databaseUrl)}: ${err.message}`);
    throw err;
  }
}

main().catch((err: unknown) => {
  fail(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
});
