// The one way into PostgreSQL: a Prisma client on the `pg` driver adapter
// (Prisma 7's query compiler; no engine binary). Domain functions take the
// client as a parameter so tests can point them at their own database.
import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { config } from "./config.js";
import { PrismaClient, type Prisma as PrismaTypes } from "./generated/prisma/client.js";

export type Db = PrismaClient;
/** The client inside `db.$transaction(async (tx) => …)`. */
export type Tx = PrismaTypes.TransactionClient;
export { Prisma } from "./generated/prisma/client.js";

/** Distinct statements a process prepares at most, and the longest it prepares (bulk inserts, one-offs). */
const PREPARED_STATEMENTS = 500;
const PREPARED_STATEMENT_CHARS = 16_384;

/**
 * Names for prepared statements (the pg adapter's statementNameGenerator): a
 * query's name is its text's hash, so each connection has PostgreSQL parse a
 * statement once and, once its plan cache settles, plan it once, instead of
 * on every execution. Planning the pages' relation reads (lateral joins over
 * four tables) cost PostgreSQL more than running them: half a lab page's
 * database time (bench/web-load.ts). Prisma's former query engine did the
 * same (its statement cache). The same text always gets the same name, so no
 * connection sees one name for two statements; a connection keeps what it
 * prepared until it closes, so only the first PREPARED_STATEMENTS distinct
 * texts of a process are named, and none longer than PREPARED_STATEMENT_CHARS:
 * the rest run unnamed, as before.
 */
export function statementNames(max = PREPARED_STATEMENTS, maxChars = PREPARED_STATEMENT_CHARS): (query: { sql: string }) => string {
  const named = new Set<string>();
  return ({ sql }) => {
    if (sql.length > maxChars) return "";
    const name = `lg_${createHash("sha256").update(sql).digest("base64url").slice(0, 40)}`;
    if (named.has(name)) return name;
    if (named.size >= max) return "";
    named.add(name);
    return name;
  };
}

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }, { statementNameGenerator: statementNames() }) });
}

const globalForDb = globalThis as unknown as { labgradeDb?: Db };

/** The process-wide client for DATABASE_URL (kept across Next.js dev reloads). */
export function db(): Db {
  globalForDb.labgradeDb ??= createDb(config().DATABASE_URL);
  return globalForDb.labgradeDb;
}

/** Socket and server codes that mean "the database could not be reached", not "the query was wrong". */
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "57P01", "57P02", "57P03", "08000", "08001", "08003", "08006", "P1001", "P1002", "P1017"]);
const CONNECTION_MESSAGES =
  /connection terminated|connection (?:was )?closed|can't reach database|server has closed the connection|terminating connection|the database system is (?:starting up|shutting down|not accepting connections|in recovery mode)|ECONNREFUSED|ECONNRESET/i;

/** A unique constraint refused the write (Prisma's P2002): the caller says which name or value is taken. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}

/**
 * Whether an error (or one it wraps) says the database went away, so waiting
 * and trying again may help. Prisma keeps the driver's own error (with the
 * server's SQLSTATE, e.g. 57P03 "the database system is starting up") in
 * `meta.driverAdapterError`, not in `cause`: both are followed.
 */
export function isConnectionLoss(err: unknown): boolean {
  const seen: unknown[] = [err];
  for (let i = 0; i < seen.length && i < 12; i++) {
    const x = seen[i] as { code?: unknown; message?: unknown; cause?: unknown; originalCode?: unknown; meta?: { driverAdapterError?: unknown } } | null;
    if (!x || typeof x !== "object") continue;
    if (typeof x.code === "string" && CONNECTION_CODES.has(x.code)) return true;
    if (typeof x.originalCode === "string" && CONNECTION_CODES.has(x.originalCode)) return true;
    if (typeof x.message === "string" && CONNECTION_MESSAGES.test(x.message)) return true;
    seen.push(x.cause, x.meta?.driverAdapterError);
  }
  return false;
}

/**
 * Waits until the database answers (SELECT 1), polling every `everyMs`; throws
 * after `timeoutMs`. Immediate when it is up.
 */
export async function waitForDatabase(db: Db, opts: { timeoutMs?: number; everyMs?: number; log?: (line: string) => void } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  let said = false;
  for (;;) {
    try {
      await db.$queryRaw`SELECT 1`;
      if (said) opts.log?.("database reachable again");
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      if (!said) opts.log?.(`database unreachable (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); waiting for it`);
      said = true;
      await new Promise((r) => setTimeout(r, opts.everyMs ?? 1000));
    }
  }
}
