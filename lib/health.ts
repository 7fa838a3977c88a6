import "server-only";
import fs from "node:fs";
import path from "node:path";
import { getDb, type PrismaClient } from "@/lib/db";
import { entraAuthority } from "@/lib/env";
import { getBoss, queues } from "@/lib/jobs/boss";
import { logger } from "@/lib/logger";

export interface HealthReport {
  /** every dependency answers */
  ok: boolean;
  /** the app can serve (database and job queue); Microsoft being unreachable degrades, not stops, it */
  serving: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

const TIMEOUT_MS = 3_000;

function withTimeout<T>(work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), TIMEOUT_MS).unref()),
  ]);
}

// Each check says only whether a dependency answers; the reason goes to the log, not to the caller.
async function check(name: string, probe: () => Promise<unknown>): Promise<{ ok: boolean; detail?: string }> {
  try {
    await withTimeout(probe());
    return { ok: true };
  } catch (error) {
    logger.warn({ err: error, check: name }, "health check failed");
    return { ok: false, detail: "unreachable" };
  }
}

/** the migrations this build of the app was written against (the folder `prisma migrate deploy` applies) */
// read at run time from the deployed folder; the ignore comments keep Next's tracer from bundling the project
export function expectedMigrations(migrationsDir = path.join(process.cwd(), "prisma/migrations")): string[] {
  if (!fs.existsSync(/*turbopackIgnore: true*/ migrationsDir)) return [];
  return fs
    .readdirSync(/*turbopackIgnore: true*/ migrationsDir, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() &&
        fs.existsSync(/*turbopackIgnore: true*/ path.join(migrationsDir, entry.name, "migration.sql")),
    )
    .map((entry) => entry.name)
    .sort();
}

/**
 * Whether the database holds the schema this code needs: every expected migration applied and finished,
 * none failed halfway, and a query through Prisma's client (not only SELECT 1) comes back. Throws with a
 * short reason otherwise.
 */
export async function checkDatabaseSchema(db: PrismaClient, expected: string[]): Promise<void> {
  const rows = await db.$queryRaw<{ migration_name: string; finished: boolean; rolled_back: boolean }[]>`
    SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
    FROM _prisma_migrations`;
  if (rows.some((row) => !row.finished && !row.rolled_back)) throw new Error("a migration failed or is in progress");
  const applied = new Set(rows.filter((row) => row.finished && !row.rolled_back).map((row) => row.migration_name));
  const missing = expected.filter((name) => !applied.has(name));
  if (missing.length > 0) throw new Error(`${missing.length} migration(s) not applied`);
  await db.user.findFirst({ select: { id: true } });
}

let migrationsOfThisBuild: string[] | undefined;

export async function checkHealth(): Promise<HealthReport> {
  migrationsOfThisBuild ??= expectedMigrations();
  const [database, jobQueue, microsoft] = await Promise.all([
    check("database", () => checkDatabaseSchema(getDb(), migrationsOfThisBuild!)),
    // the queue's own schema: pg-boss reads its queue table
    check("jobQueue", async () => {
      const queue = await (await getBoss()).getQueue(queues.meetingSync);
      if (!queue) throw new Error("queue missing");
    }),
    // the identity provider's discovery document: reachable without a token, same host family as Graph
    check("microsoft", async () => {
      const response = await fetch(`${entraAuthority()}/v2.0/.well-known/openid-configuration`, {
        cache: "no-store",
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
    }),
  ]);
  const checks = { database, jobQueue, microsoft };
  return {
    ok: Object.values(checks).every((c) => c.ok),
    serving: database.ok && jobQueue.ok,
    checks,
  };
}
