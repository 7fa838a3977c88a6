// Prepares one migrated template database per run; test files clone it (tests/helpers/database.ts).
// TEST_DB_ENGINE chooses the engine: "pglite" (embedded) or "postgres" (the server in TEST_DATABASE_URL,
// default the local one). npm test runs the integration project once per engine.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
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

export default async function setup(project: TestProject): Promise<void> {
  const engine = process.env.TEST_DB_ENGINE === "postgres" ? "postgres" : "pglite";
  const fingerprint = migrationsFingerprint();
  project.provide("testEngine", engine);
  if (engine === "postgres") {
    const adminUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
    const templateName = `consulta_template_${fingerprint}`;
    const client = new (await import("pg")).default.Client({ connectionString: adminUrl });
    await client.connect();
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [templateName]);
    await client.end();
    if (exists.rowCount === 0) {
      const building = `${templateName}_building_${process.pid}`;
      migrate(withDatabase(adminUrl, building));
      await adminQuery(adminUrl, `ALTER DATABASE "${building}" RENAME TO "${templateName}"`);
    }
    project.provide("postgresTemplate", { adminUrl, templateName });
    project.provide("pgliteTemplateDir", null);
    return;
  }
  const templateDir = path.join(root, ".data/test", `pglite-template-${fingerprint}`);
  if (!fs.existsSync(path.join(templateDir, "PG_VERSION"))) {
    fs.rmSync(templateDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(templateDir), { recursive: true });
    migrate(`pglite:${templateDir}`);
  }
  project.provide("pgliteTemplateDir", templateDir);
  project.provide("postgresTemplate", null);
}
