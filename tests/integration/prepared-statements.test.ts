// Queries run as named prepared statements (lib/db.ts, statementNames): a
// connection has PostgreSQL parse each statement once and reuse it. Checked
// in PostgreSQL's own list of a session's prepared statements, and the bounds
// that keep a long-lived connection from holding one per bulk insert.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, statementNames, type Db } from "../../lib/db.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";

let database: ScratchDatabase;
let db: Db;

beforeAll(async () => {
  database = await createMigratedDatabase("prepared-statements");
  db = createDb(database.url);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("prepared statements", () => {
  it("a query run again on a connection reuses the statement PostgreSQL prepared for it, under its text's name", async () => {
    // One query at a time: the pool hands back the connection it just had.
    for (let i = 0; i < 3; i++) await db.course.findMany({ where: { slug: `course-${i}` }, select: { id: true } });
    const prepared = await db.$queryRaw<Array<{ name: string; statement: string }>>`SELECT name, statement FROM pg_prepared_statements`;
    const courseReads = prepared.filter((p) => p.statement.includes(`FROM "public"."Course"`));
    expect(courseReads, JSON.stringify(prepared)).toHaveLength(1);
    expect(courseReads[0]!.name).toMatch(/^lg_[\w-]{40}$/);
    const name = statementNames();
    expect(name({ sql: courseReads[0]!.statement })).toBe(courseReads[0]!.name);
  });

  it("names each text by itself, and stops naming new texts past its bound or its length limit", () => {
    const name = statementNames(2, 100);
    const a = name({ sql: "SELECT 1" });
    expect(a).toMatch(/^lg_/);
    expect(name({ sql: "SELECT 1" })).toBe(a);
    const b = name({ sql: "SELECT 2" });
    expect(b).not.toBe(a);
    expect(name({ sql: "SELECT 3" }), "a third text past a bound of two").toBe("");
    expect(name({ sql: "SELECT 1" }), "a text named before the bound keeps its name").toBe(a);
    expect(statementNames(10, 100)({ sql: `SELECT ${"1, ".repeat(50)}1` }), "a text over the length limit").toBe("");
  });
});
