// Prisma 6 CLI configuration for infra/prisma-diff only (see schema-sql.mjs).
// A driver adapter is what lets Prisma 6 use its WebAssembly schema engine
// instead of the native engine binary that cannot be downloaded here.
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL, idleTimeoutMillis: 1 });
  },
});
