import "server-only";
import { Prisma } from "@/lib/generated/prisma/client";

/** The PostgreSQL SQLSTATE behind a Prisma error raised through the driver adapter, if any. */
function sqlStateOf(error: unknown): string | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const cause = (error.meta as { driverAdapterError?: { cause?: { originalCode?: string } } } | undefined)
    ?.driverAdapterError?.cause;
  return cause?.originalCode;
}

// PostgreSQL reports an exclusion-constraint violation as SQLSTATE 23P01; through a driver adapter
// Prisma surfaces it as P2039 (P2010 for raw queries) with the original code in meta.
export function isExclusionViolation(error: unknown): boolean {
  return sqlStateOf(error) === "23P01";
}

export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  return error.code === "P2002" || sqlStateOf(error) === "23505";
}

export function isForeignKeyViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  return error.code === "P2003" || sqlStateOf(error) === "23503";
}

/**
 * A deadlock (40P01) or serialization failure (40001): the statement lost a race with a concurrent
 * one and may simply be run again. Concurrent inserts guarded by an exclusion constraint can
 * deadlock: each waits for the other's uncommitted row. Prisma names both P2034.
 */
export function isRetryableConflict(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const state = sqlStateOf(error);
  return error.code === "P2034" || state === "40P01" || state === "40001";
}

/**
 * Runs `work` again while it loses a race with a concurrent statement (isRetryableConflict), `attempts` times
 * in all, then throws what it threw: what a race still lost means is the caller's to say.
 */
export async function retryingRaces<T>(work: () => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryableConflict(error) || attempt >= attempts) throw error;
    }
  }
}
