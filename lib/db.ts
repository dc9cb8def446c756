// The one way into PostgreSQL: a Prisma client on the `pg` driver adapter
// (Prisma 7's query compiler; no engine binary). Domain functions take the
// client as a parameter so tests can point them at their own database.
import { PrismaPg } from "@prisma/adapter-pg";
import { config } from "./config.js";
import { PrismaClient } from "./generated/prisma/client.js";

export type Db = PrismaClient;
export { Prisma } from "./generated/prisma/client.js";

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }) });
}

const globalForDb = globalThis as unknown as { labgradeDb?: Db };

/** The process-wide client for DATABASE_URL (kept across Next.js dev reloads). */
export function db(): Db {
  globalForDb.labgradeDb ??= createDb(config().DATABASE_URL);
  return globalForDb.labgradeDb;
}
