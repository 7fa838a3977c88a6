// Prisma CLI configuration. DATABASE_URL is read from the environment as is: scripts/prisma.mjs and
// scripts/db.ts set it (the embedded server when the user gives none). `process.env` rather than
// Prisma's env() helper so `prisma generate` works with no database configured at all.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: {
    path: "prisma/migrations",
    // the seed imports lib/, whose modules load only under the react-server condition ("server-only")
    seed: "node --conditions=react-server --import tsx prisma/seed.ts",
  },
  datasource: {
    url: process.env.DATABASE_URL || undefined,
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL || undefined,
  },
});
