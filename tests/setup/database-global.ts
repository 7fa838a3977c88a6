// Prepares one migrated template database per run; test files clone it (tests/helpers/database.ts).
// The server is a throwaway embedded PostgreSQL started here and stopped at the end of the run, or the
// server in TEST_DATABASE_URL (or DATABASE_URL) when one is given.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "@/scripts/embedded-postgres";
import { adminQuery, withDatabase } from "../helpers/database";

const root = path.resolve(import.meta.dirname, "../..");

function migrationsFingerprint(): string {
  const hash = crypto.createHash("sha256");
  const dir = path.join(root, "prisma/migrations");
  for (const entry of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, entry, "migration.sql");
    if (fs.existsSync(file)) hash.update(entry).update(fs.readFileSync(file));
  }
  return hash.digest("hex").slice(0, 12);
}

function migrate(databaseUrl: string): void {
  execFileSync(process.execPath, [path.join(root, "scripts/prisma.mjs"), "migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: "pipe",
  });
}

function externalServer(): string | null {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  if (!process.env.DATABASE_URL) return null;
  return withDatabase(process.env.DATABASE_URL, "postgres");
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = externalServer();
  const embedded = external
    ? null
    : await startEmbeddedPostgres({
        dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "consulta-test-pg-")),
        persistent: false,
      });
  const adminUrl = external ?? embedded!.adminUrl;
  const templateName = `consulta_template_${migrationsFingerprint()}`;
  const client = new (await import("pg")).default.Client({ connectionString: adminUrl });
  await client.connect();
  const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [templateName]);
  await client.end();
  if (exists.rowCount === 0) {
    // built under another name and renamed, so a run that dies halfway never leaves a half-migrated template
    const building = `${templateName}_building_${process.pid}`;
    migrate(withDatabase(adminUrl, building));
    await adminQuery(adminUrl, `ALTER DATABASE "${building}" RENAME TO "${templateName}"`);
  }
  project.provide("postgresTemplate", { adminUrl, templateName });
  return async () => {
    await embedded?.stop();
  };
}
