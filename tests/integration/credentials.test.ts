// Email-and-password sign-in against the real database: the right password
// signs in, and every wrong combination gets the same null answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyCredentials } from "../../lib/auth/credentials.js";
import { createDb, type Db } from "../../lib/db.js";
import { DEMO_PASSWORD, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";

let database: ScratchDatabase;
let db: Db;

beforeAll(async () => {
  database = await createMigratedDatabase("credentials");
  db = createDb(database.url);
  await seedDemoCourse(db);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("verifyCredentials", () => {
  it("signs in with the right password, whatever the email's case", async () => {
    const user = await verifyCredentials(db, " Alice@Demo.Labgrade.Test ", DEMO_PASSWORD);
    expect(user).toMatchObject({ email: "alice@demo.labgrade.test", name: "Alice Student", isPlatformAdmin: false });
    expect(await verifyCredentials(db, "admin@demo.labgrade.test", DEMO_PASSWORD)).toMatchObject({ isPlatformAdmin: true });
  });

  it("refuses a wrong password, an unknown email and an account without a password alike", async () => {
    await db.user.create({ data: { email: "sso-only@demo.labgrade.test", name: "SSO Only" } });
    expect(await verifyCredentials(db, "alice@demo.labgrade.test", "wrong-password")).toBeNull();
    expect(await verifyCredentials(db, "nobody@demo.labgrade.test", DEMO_PASSWORD)).toBeNull();
    expect(await verifyCredentials(db, "sso-only@demo.labgrade.test", DEMO_PASSWORD)).toBeNull();
  });
});
