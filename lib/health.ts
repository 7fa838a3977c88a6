import "server-only";
import { getDb } from "@/lib/db";
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

// Each check says only whether a dependency answers; errors go to the log, not to the caller.
async function check(name: string, probe: () => Promise<unknown>): Promise<{ ok: boolean; detail?: string }> {
  try {
    await withTimeout(probe());
    return { ok: true };
  } catch (error) {
    logger.warn({ err: error, check: name }, "health check failed");
    return { ok: false, detail: "unreachable" };
  }
}

export async function checkHealth(): Promise<HealthReport> {
  const [database, jobQueue, microsoft] = await Promise.all([
    check("database", () => getDb().$queryRaw`SELECT 1`),
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
