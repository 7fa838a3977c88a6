#!/usr/bin/env node
// Integration tests run on both engines of the one schema: always on the embedded PGlite, and on a
// PostgreSQL server when one is configured (DATABASE_URL or TEST_DATABASE_URL) or under CI, where this
// machine kind provides one on 127.0.0.1:5432.
import { spawnSync } from "node:child_process";

const engines = ["pglite"];
if (process.env.CI || process.env.DATABASE_URL || process.env.TEST_DATABASE_URL) engines.push("postgres");

for (const engine of engines) {
  console.info(`\n── integration tests on ${engine} ──`);
  const env = { ...process.env, TEST_DB_ENGINE: engine };
  if (engine === "postgres" && !env.TEST_DATABASE_URL && env.DATABASE_URL) {
    const admin = new URL(env.DATABASE_URL);
    admin.pathname = "/postgres";
    env.TEST_DATABASE_URL = admin.toString();
  }
  const result = spawnSync("npx", ["vitest", "run", "--project", "integration", ...process.argv.slice(2)], {
    stdio: "inherit",
    env,
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
