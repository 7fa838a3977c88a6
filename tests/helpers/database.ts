// Each integration test file gets a database of its own, cloned from a template migrated once per run
// (tests/setup/database-global.ts): a PostgreSQL server database created WITH TEMPLATE, or a copy of a
// migrated PGlite data directory served by the embedded server.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { createPrismaClient } from "@/lib/db/create-client";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { startEmbeddedPostgres } from "@/scripts/embedded-postgres";

export type TestEngine = "postgres" | "pglite";

export interface TestDatabase {
  engine: TestEngine;
  url: string;
  db: PrismaClient;
  close(): Promise<void>;
}

declare module "vitest" {
  export interface ProvidedContext {
    testEngine: TestEngine;
    postgresTemplate: { adminUrl: string; templateName: string } | null;
    pgliteTemplateDir: string | null;
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const engine = inject("testEngine");
  if (engine === "postgres") {
    const template = inject("postgresTemplate");
    if (!template) throw new Error("postgres template was not prepared");
    const name = `consulta_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    await adminQuery(template.adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${template.templateName}"`);
    const url = withDatabase(template.adminUrl, name);
    const db = createPrismaClient(url);
    return {
      engine,
      url,
      db,
      async close() {
        await db.$disconnect();
        await adminQuery(template.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      },
    };
  }
  const templateDir = inject("pgliteTemplateDir");
  if (!templateDir) throw new Error("pglite template was not prepared");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-pglite-"));
  fs.cpSync(templateDir, dataDir, { recursive: true });
  const server = await startEmbeddedPostgres({ dataDir });
  const db = createPrismaClient(server.url);
  return {
    engine,
    url: server.url,
    db,
    async close() {
      await db.$disconnect();
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
