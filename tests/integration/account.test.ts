// Changing one's own password: the current one is required and wrong guesses
// count towards the account's lock-out; weak or mistyped new ones are refused
// in words; afterwards only the new one signs in.
import { randomBytes } from "node:crypto";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changePassword } from "../../lib/auth/account.js";
import { signInWithPassword, verifyCredentials } from "../../lib/auth/credentials.js";
import { createSignInLimiter, type SignInLimiter } from "../../lib/auth/sign-in-limits.js";
import { createDb, type Db } from "../../lib/db.js";
import { StudentError } from "../../lib/errors.js";
import { DEMO_PASSWORD, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { actorByEmail } from "../support/actors.js";
import { REDIS_URL } from "../support/grading-stack.js";

let database: ScratchDatabase;
let db: Db;
let redis: Redis;
let limiter: SignInLimiter;
const actor = (email: string) => actorByEmail(db, email);

beforeAll(async () => {
  database = await createMigratedDatabase("account");
  db = createDb(database.url);
  await seedDemoCourse(db);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  limiter = createSignInLimiter(redis, `test-account-${randomBytes(4).toString("hex")}`);
});

afterAll(async () => {
  redis?.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

const attempt = async (email: string, current: string, next: string, repeat = next) =>
  changePassword(db, limiter, await actor(email), { current, next, repeat, address: "10.0.0.9" }).then(
    () => null,
    (err: unknown) => {
      if (!(err instanceof StudentError)) throw err;
      return err.message;
    },
  );

describe("changing my password", () => {
  it("refuses, in words, a wrong current password and weak or mistyped new ones", async () => {
    expect(await attempt("bob@demo.labgrade.test", "not-it", "a-good-new-password")).toBe("the current password is wrong");
    expect(await attempt("bob@demo.labgrade.test", DEMO_PASSWORD, "short")).toBe("the new password needs at least 10 characters");
    expect(await attempt("bob@demo.labgrade.test", DEMO_PASSWORD, "a-good-new-password", "a-good-new-passwort")).toBe("the two new passwords differ");
    expect(await attempt("bob@demo.labgrade.test", DEMO_PASSWORD, DEMO_PASSWORD)).toBe("the new password is the same as the current one");
    expect(await attempt("bob@demo.labgrade.test", DEMO_PASSWORD, "Bob@demo.labgrade.test")).toBe("the new password must not be your email address");
    expect(await verifyCredentials(db, "bob@demo.labgrade.test", DEMO_PASSWORD)).not.toBeNull();
  });

  it("signs in with the new password only, afterwards", async () => {
    expect(await attempt("alice@demo.labgrade.test", DEMO_PASSWORD, "correct horse battery staple")).toBeNull();
    expect(await verifyCredentials(db, "alice@demo.labgrade.test", "correct horse battery staple")).not.toBeNull();
    expect(await verifyCredentials(db, "alice@demo.labgrade.test", DEMO_PASSWORD)).toBeNull();
  });

  it("locks the account after five wrong current passwords, like sign-in", async () => {
    for (let i = 0; i < 4; i++) expect(await attempt("carol@demo.labgrade.test", `wrong-${i}`, "a-good-new-password")).toBe("the current password is wrong");
    expect(await attempt("carol@demo.labgrade.test", "wrong-5", "a-good-new-password")).toBe("the current password is wrong, and too many tries lock the account; try again in 15 minutes");
    expect(await attempt("carol@demo.labgrade.test", DEMO_PASSWORD, "a-good-new-password")).toBe("too many wrong passwords; try again in 15 minutes");
    // Signing in is locked too, from anywhere.
    expect(await signInWithPassword(db, limiter, { email: "carol@demo.labgrade.test", password: DEMO_PASSWORD, address: "10.1.1.1" })).toMatchObject({ ok: false, refusal: { scope: "account" } });
  });
});
