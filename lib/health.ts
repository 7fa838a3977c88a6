import "server-only";
import { getDb } from "@/lib/db";
import { logger } from "@/lib/logger";

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

// Each check says only whether a dependency answers; errors go to the log, not to the caller.
export async function checkHealth(): Promise<HealthReport> {
  const checks: HealthReport["checks"] = {};
  try {
    await getDb().$queryRaw`SELECT 1`;
    checks.database = { ok: true };
  } catch (error) {
    logger.error({ err: error }, "health: database check failed");
    checks.database = { ok: false, detail: "unreachable" };
  }
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}
