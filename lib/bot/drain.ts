// Applies one call's recorded notifications in arrival order. The webhook records each notification with
// its parsed payload and queues a drain for its call (lib/bot/intake.ts); any number of workers, in any
// number of processes, drain different calls at once, while a lease in the database lets only one of them
// drain a given call at a time. That keeps a call's notifications — and the flow reactions to them — in
// the order they arrived, without serialising every call behind one worker.
//
// No wakeup is lost: a drain refused because another holds the lease gives up at once, and the holder
// looks for new rows after it releases the lease (a row recorded while it held the lease is committed
// before that row's own drain was even queued).
import crypto from "node:crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { applyCallNotifications, processNotification } from "./process";
import type { BotNotification } from "./schema";

/** Long enough for a flow's slowest reaction (Graph calls with their bounded retries); a crash frees it. */
export const DRAIN_LEASE_SECONDS = 120;
const ROWS_PER_READ = 100;

export type DrainOutcome = "drained" | "busy";

/** The flows' reaction to notifications just applied (the clinic line, reminders); must not throw. */
export type AfterApplied = (applied: BotNotification[]) => Promise<void>;

type Row = { id: string; payload: BotNotification };

/** Takes the call's lease if it is free (or expired) and, in the same statement, reads its first rows. */
async function acquireAndRead(db: PrismaClient, graphCallId: string, holder: string): Promise<Row[] | null> {
  // the database's clock, so processes with skewed clocks agree on when a lease expired
  const rows = await db.$queryRaw<{ acquired: boolean; id: string | null; payload: BotNotification | null }[]>`
    WITH lease AS (
      INSERT INTO "CallDrainLease" ("graphCallId", holder, "expiresAt")
      VALUES (${graphCallId}, ${holder}::uuid, now() + make_interval(secs => ${DRAIN_LEASE_SECONDS}))
      ON CONFLICT ("graphCallId") DO UPDATE SET holder = EXCLUDED.holder, "expiresAt" = EXCLUDED."expiresAt"
        WHERE "CallDrainLease"."expiresAt" < now()
      RETURNING holder)
    SELECT lease.holder IS NOT NULL AS acquired, n.id::text AS id, n.payload
    FROM (SELECT 1) AS one
    LEFT JOIN lease ON true
    LEFT JOIN LATERAL (
      SELECT id, payload, sequence FROM "InboundNotification"
      WHERE "graphCallId" = ${graphCallId} AND "processedAt" IS NULL AND payload IS NOT NULL
      ORDER BY sequence
      LIMIT ${ROWS_PER_READ}) AS n ON lease.holder IS NOT NULL
    ORDER BY n.sequence`;
  if (!rows[0]?.acquired) return null;
  return rows.flatMap(({ id, payload }) => (id !== null && payload !== null ? [{ id, payload }] : []));
}

async function releaseLease(db: PrismaClient, graphCallId: string, holder: string): Promise<void> {
  await db.$executeRaw`DELETE FROM "CallDrainLease" WHERE "graphCallId" = ${graphCallId} AND holder = ${holder}::uuid`;
}

function unapplied(db: PrismaClient, graphCallId: string, limit: number) {
  // rows without a payload were recorded before payloads were kept; their old-style jobs carry them
  return db.$queryRaw<Row[]>`
    SELECT id::text AS id, payload FROM "InboundNotification"
    WHERE "graphCallId" = ${graphCallId} AND "processedAt" IS NULL AND payload IS NOT NULL
    ORDER BY sequence
    LIMIT ${limit}`;
}

/**
 * Applies every unapplied notification of `graphCallId`, oldest first, and hands each batch to
 * `afterApplied`. "busy": another drain holds the call and will apply them. Throws CallNotYetKnown while
 * the call's row is not committed yet (the rows stay unapplied; the caller tries again later).
 */
export async function drainCall(
  db: PrismaClient,
  graphCallId: string,
  afterApplied: AfterApplied,
  now: () => Date = () => new Date(),
): Promise<DrainOutcome> {
  const holder = crypto.randomUUID();
  for (;;) {
    let rows = await acquireAndRead(db, graphCallId, holder);
    if (rows === null) return "busy";
    try {
      for (let first = true; ; first = false) {
        if (!first) rows = await unapplied(db, graphCallId, ROWS_PER_READ);
        if (rows.length === 0) break;
        const items = rows.map((row) => ({ inboundId: row.id, notification: row.payload }));
        const applied: BotNotification[] = [];
        try {
          const outcomes = await applyCallNotifications(db, graphCallId, items, now);
          if (outcomes) {
            items.forEach((item, i) => outcomes[i] !== "already-processed" && applied.push(item.notification));
          } else {
            // no call row: an incoming call's `created` is applied alone, the rest waits for the row
            for (const item of items) {
              if ((await processNotification(db, item, now)) !== "already-processed") applied.push(item.notification);
            }
          }
        } finally {
          // what was applied before a failure still reaches the flows, in order
          if (applied.length) await afterApplied(applied);
        }
      }
    } finally {
      await releaseLease(db, graphCallId, holder);
    }
    // a notification recorded while the lease was held had its own drain turned away: look once more
    if ((await unapplied(db, graphCallId, 1)).length === 0) return "drained";
  }
}
