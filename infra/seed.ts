// CLI: seeds the demo course into DATABASE_URL (idempotent). Used by infra/up.
import { config, ConfigError } from "../lib/config.js";
import { createDb } from "../lib/db.js";
import { errorMessage } from "../lib/errors.js";
import { seedDemoCourse } from "../lib/seed/demo-course.js";

const cfg = (() => {
  try {
    return config();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : errorMessage(err));
    process.exit(1);
  }
})();
const db = createDb(cfg.DATABASE_URL);
try {
  await seedDemoCourse(db, { log: (line) => console.log(`[seed] ${line}`) });
  console.log("[seed] demo course is up to date");
} catch (err) {
  console.error(`[seed] failed: ${errorMessage(err)}`);
  process.exitCode = 1;
} finally {
  await db.$disconnect();
}
