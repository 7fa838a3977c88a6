#!/usr/bin/env node
// `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql for the
// changes made to prisma/schema.prisma. Runs `prisma migrate dev --create-only` against a throwaway
// in-memory PostgreSQL (PGlite), so it needs no server and no internet; the folder it writes is
// Prisma's normal format and `prisma migrate deploy` applies it anywhere.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- <name>   (lowercase letters, digits and _)");
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const result = spawnSync(
  process.execPath,
  [path.join(here, "prisma.mjs"), "migrate", "dev", "--create-only", "--name", name],
  { stdio: "inherit", env: { ...process.env, DATABASE_URL: "pglite:memory://", SHADOW_DATABASE_URL: "" } },
);
process.exit(result.status ?? 1);
