// The migration that makes emails normalised, against real PostgreSQL: it
// lower-cases and trims the addresses already stored (accounts and
// invitations), and where two accounts differ only in case or spaces it stops
// before changing anything and names them, since which is the person's real
// account is not for a migration to guess.
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, DEFAULT_MIGRATIONS_DIR } from "../../infra/migrations.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/databases.js";

const NORMALISING = "20261201080627_accounts_email_proof";
const dbs: ScratchDatabase[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The migrations before the normalising one, as their own folder. */
function migrationsBefore(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "labgrade-before-"));
  dirs.push(dir);
  for (const name of readdirSync(DEFAULT_MIGRATIONS_DIR)) if (name < NORMALISING) cpSync(path.join(DEFAULT_MIGRATIONS_DIR, name), path.join(dir, name), { recursive: true });
  return dir;
}

async function sql<T extends Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function databaseWith(users: string[]): Promise<string> {
  const db = await createScratchDatabase("email_migration");
  dbs.push(db);
  await applyMigrations(db.url, undefined, { migrationsDir: migrationsBefore() });
  for (const [i, email] of users.entries()) await sql(db.url, `INSERT INTO "User" (id, email, "updatedAt") VALUES ('u${i}', '${email}', now())`);
  return db.url;
}

describe("normalising stored emails", () => {
  it("lower-cases and trims every stored address, and keeps them so", async () => {
    const url = await databaseWith([" Ada@Uni.Test", "bob@uni.test", "CAROL@UNI.TEST "]);
    await sql(url, `INSERT INTO "Course" (id, slug, title, "updatedAt") VALUES ('c', 'c', 'C', now())`);
    await sql(url, `INSERT INTO "Invitation" (id, "courseId", role, "tokenHash", email, "expiresAt", "createdById") VALUES ('i', 'c', 'STUDENT', 'h', 'Dana@Uni.Test', now(), 'u1')`);
    await applyMigrations(url);
    expect((await sql<{ email: string }>(url, `SELECT email FROM "User" ORDER BY id`)).map((r) => r.email)).toEqual(["ada@uni.test", "bob@uni.test", "carol@uni.test"]);
    expect(await sql(url, `SELECT email FROM "Invitation"`)).toEqual([{ email: "dana@uni.test" }]);
    await expect(sql(url, `INSERT INTO "User" (id, email, "updatedAt") VALUES ('x', 'Eve@uni.test', now())`)).rejects.toThrow(/User_email_normalised/);
  });

  it("stops, naming the accounts, when two differ only in case or spaces, and changes nothing", async () => {
    const url = await databaseWith(["Bob@uni.test", "bob@uni.test ", "Alice@uni.test"]);
    await expect(applyMigrations(url)).rejects.toThrow(/bob@uni\.test \(2 accounts: u[01], u[01]\)/);
    expect((await sql<{ email: string }>(url, `SELECT email FROM "User" ORDER BY id`)).map((r) => r.email)).toEqual(["Bob@uni.test", "bob@uni.test ", "Alice@uni.test"]);
  });
});
