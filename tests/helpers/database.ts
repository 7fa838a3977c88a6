// Each integration test file gets a database of its own, created WITH TEMPLATE from the database that
// tests/setup/database-global.ts migrated once per run.
import pg from "pg";
import { inject } from "vitest";
import { createPrismaClient } from "@/lib/db/create-client";
import type { PrismaClient } from "@/lib/generated/prisma/client";

export interface TestDatabase {
  url: string;
  db: PrismaClient;
  close(): Promise<void>;
}

declare module "vitest" {
  export interface ProvidedContext {
    postgresTemplate: { adminUrl: string; templateName: string };
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const database = namedTestDatabase();
  await database.create();
  return database;
}

/**
 * A test database named and its client made, not yet created: `create()` clones the template. The client
 * connects on its first query, so it may be handed out before the database exists (tests/helpers/per-file.ts).
 */
export function namedTestDatabase(): TestDatabase & { create(): Promise<void> } {
  const template = inject("postgresTemplate");
  const name = `consulta_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const url = withDatabase(template.adminUrl, name);
  const db = createPrismaClient(url);
  return {
    url,
    db,
    async create() {
      await adminQuery(template.adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${template.templateName}"`);
    },
    async close() {
      await db.$disconnect();
      await adminQuery(template.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
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
