// Three projects, run in this order by infra/test: unit (no services),
// integration (real PostgreSQL, Redis and Docker) and e2e (a real browser
// against the built web app). Integration and e2e files run one at a time:
// they start real clusters, and this machine has 2 cores.
import path from "node:path";
import { defineConfig } from "vitest/config";

/** The web app's "@/…" imports (tsconfig paths), for unit tests of its components. */
const alias = { "@": path.resolve(import.meta.dirname) };

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
