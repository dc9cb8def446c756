// Prisma CLI configuration (Prisma 7). Only `prisma generate` runs on these
// machines: migrations are applied by infra/migrate.ts (see README).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    url: process.env.DATABASE_URL ?? "postgresql://labgrade:labgrade@127.0.0.1:5432/labgrade",
  },
});
