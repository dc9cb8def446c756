// A database that is there but not yet taking connections (starting up, in
// recovery) is an outage to wait out, not an unexpected error: against a real
// PostgreSQL that refuses every connection with SQLSTATE 57P03.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, isConnectionLoss, type Db } from "../../lib/db.js";
import { startRefusingPostgres } from "../support/refusing-postgres.js";

let server: Awaited<ReturnType<typeof startRefusingPostgres>>;
let db: Db;

beforeAll(async () => {
  server = await startRefusingPostgres();
  db = createDb(server.url);
});

afterAll(async () => {
  await db?.$disconnect();
  await server?.stop();
});

describe("a database that is not accepting connections", () => {
  it("is recognised as unreachable (57P03 behind Prisma's driver adapter), so runners wait for it", async () => {
    const err = await db.$queryRaw`SELECT 1`.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err, "the standby answered a query").not.toBeNull();
    expect(String((err as Error).message)).toMatch(/57P03/);
    expect(isConnectionLoss(err)).toBe(true);
  });
});
