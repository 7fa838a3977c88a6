// The runtime's sweep (every minute): flows that stalled, calls nobody recorded, and the keepAlive every live
// call needs.
import "server-only";
import crypto from "node:crypto";
import { logger } from "@/lib/logger";
import { ANSWERED_CALL_STATES } from "@/lib/constants";
import { KEEPALIVE_EVERY_MS, UNKNOWN_CALL_GIVE_UP_MS, type Holder, type RuntimeContext } from "./context";
import { afterClaim, claimAndAdvance } from "./claim";
import { signal } from "./delivery";

/**
 * Flows that have not moved for their stallAfterMs (on the database's clock) are sent `stalled`: their
 * driver died, or an event was lost.
 */
async function sweepStalled(runtime: RuntimeContext): Promise<number> {
  let stalled = 0;
  for (const [purpose, flow] of Object.entries(runtime.flows)) {
    if (!flow?.stallAfterMs) continue;
    const rows = await runtime.sql.query<{ id: string }>(
      `SELECT id::text AS id FROM "Call"
       WHERE purpose = $1::"CallPurpose" AND "flowAt" < now() - make_interval(secs => $2::float8)
         AND ("heldUntil" IS NULL OR "heldUntil" < now())
       ORDER BY "flowAt" LIMIT 100`,
      [purpose, flow.stallAfterMs / 1000],
    );
    for (const { id } of rows) {
      if ((await signal(runtime, id, { type: "stalled" })) === "handled") {
        stalled++;
        logger.warn({ callId: id }, "stalled call flow ended");
      }
    }
  }
  return stalled;
}

/**
 * Notifications of a call that still has no Call row long after they came: the process that placed the
 * call died between Graph's answer and writing it down. Nobody drives that call and nobody ever will, so it
 * is hung up rather than left holding a line (and a place under Microsoft's concurrent-call limit).
 */
async function sweepUnknown(runtime: RuntimeContext, at: Date): Promise<number> {
  const rows = await runtime.sql.query<{ graphCallId: string }>(
    `SELECT n."graphCallId" FROM "InboundNotification" n
     WHERE n."processedAt" IS NULL
       AND NOT EXISTS (SELECT 1 FROM "Call" c WHERE c."graphCallId" = n."graphCallId")
     GROUP BY n."graphCallId" HAVING min(n."receivedAt") < now() - make_interval(secs => $1::float8) LIMIT 100`,
    [UNKNOWN_CALL_GIVE_UP_MS / 1000],
  );
  let abandoned = 0;
  for (const { graphCallId } of rows) {
    try {
      await runtime.runner.hangUpUnlessGone(graphCallId);
    } catch (error) {
      logger.warn({ err: error, graphCallId }, "unknown call not hung up; trying again later");
      continue;
    }
    await runtime.sql.query(
      `UPDATE "InboundNotification" n SET "processedAt" = $2, payload = NULL
       WHERE n."graphCallId" = $1 AND n."processedAt" IS NULL
         AND NOT EXISTS (SELECT 1 FROM "Call" c WHERE c."graphCallId" = n."graphCallId")`,
      [graphCallId, at],
    );
    logger.warn({ graphCallId }, "call never recorded; hung up");
    abandoned++;
  }
  return abandoned;
}

/**
 * A keepAlive for every live call whose last one (or its start) is KEEPALIVE_EVERY_MS old, each under its
 * lease. A call Graph no longer knows (404) has ended and its termination was lost: it is applied as if
 * it had come, so its flow ends too.
 */
export async function keepAlive(
  runtime: RuntimeContext,
  at: Date,
  limit = 200,
): Promise<{ sent: number; gone: number; failed: number }> {
  const due = new Date(at.getTime() - KEEPALIVE_EVERY_MS);
  const leased = await runtime.sql.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; graphCallId: string }>(
      `SELECT c.id::text AS id, c."graphCallId" FROM "Call" c
       WHERE c.state = ANY($1::text[]) AND c."graphCallId" NOT LIKE 'pending:%'
         AND COALESCE(c."keepAliveAt", c."createdAt") <= $2
         AND (c."heldUntil" IS NULL OR c."heldUntil" < now())
       ORDER BY c."createdAt" LIMIT $3 FOR UPDATE OF c SKIP LOCKED`,
      [ANSWERED_CALL_STATES, due, limit],
    );
    const leaseId = crypto.randomUUID();
    if (rows.length)
      await tx.query(
        `UPDATE "Call" SET "heldBy" = $2::uuid, "heldUntil" = now() + make_interval(secs => $3::int)
         WHERE id = ANY($1::uuid[])`,
        [rows.map((r) => r.id), leaseId, runtime.leaseSeconds],
      );
    return { rows, leaseId };
  });
  const result = { sent: 0, gone: 0, failed: 0 };
  for (const call of leased.rows) {
    const outcome = await runtime.runner.keepAlive({ callId: call.id, graphCallId: call.graphCallId });
    const release = `"heldBy" = NULL, "heldUntil" = NULL`;
    if (outcome === "kept") {
      result.sent++;
      await runtime.sql.query(
        `UPDATE "Call" SET "keepAliveAt" = $3, ${release} WHERE id = $1::uuid AND "heldBy" = $2::uuid`,
        [call.id, leased.leaseId, at],
      );
      continue;
    }
    if (outcome === "failed") result.failed++;
    await runtime.sql.query(`UPDATE "Call" SET ${release} WHERE id = $1::uuid AND "heldBy" = $2::uuid`, [
      call.id,
      leased.leaseId,
    ]);
    if (outcome === "gone") {
      result.gone++;
      logger.warn({ callId: call.id }, "keepAlive: the call was already gone");
      await ended(runtime, call.graphCallId);
    }
  }
  return result;
}

/** Applies the end of a call Graph no longer knows, as its termination would have been. */
async function ended(runtime: RuntimeContext, graphCallId: string) {
  if (runtime.local.has(graphCallId)) return;
  const intent: Holder = { inbox: [], dirty: false, closing: true };
  runtime.local.set(graphCallId, intent);
  const turns = await claimAndAdvance(runtime, { kind: "one", graphCallId, gone: true }, [], intent);
  if (!turns.length && runtime.local.get(graphCallId) === intent) runtime.local.delete(graphCallId);
  await Promise.all(afterClaim(runtime, turns));
}

/** The runtime's sweep (every minute): stalled flows, calls nobody recorded, keepAlives. */
export async function sweep(runtime: RuntimeContext, at = runtime.now()) {
  const stalled = await sweepStalled(runtime);
  const unknown = await sweepUnknown(runtime, at);
  const kept = await keepAlive(runtime, at);
  return { stalled, unknown, keepAlive: kept };
}
