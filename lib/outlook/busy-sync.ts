// A clinician's Outlook busy times, kept in OutlookBusy by Graph's delta query on calendarView: the first
// round lists the window, later rounds (from the stored deltaLink) only what changed. Woken by change
// notifications (lib/outlook/intake.ts) and run by the sweep every OUTLOOK_DELTA_MINUTES as a safety net.
// Consulta's own events (our transactionId, or an id we stored) are never busy time: the appointment already
// blocks its slot. A token Graph no longer knows (410 Gone, syncStateNotFound) starts a full resync, after
// which rows the round did not report are removed.
import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { isResyncRequired, TRANSACTION_PREFIX, type DeltaItem, type DeltaPage } from "@/lib/graph/calendar";
import type { CalendarApi } from "@/lib/graph/gateway";
import { describeGraphFailure, isForbidden } from "@/lib/graph/errors";
import { syncedMailboxOf } from "./data";
import { syncWindow } from "./settings";

export interface BusySyncDeps {
  calendar(entraObjectId: string): CalendarApi;
  syncDays: number;
  /** OUTLOOK_BLOCKING_SHOW_AS: which rows block slots (OutlookBusy.blocks) */
  blocking: readonly string[];
  /** Prefer: odata.maxpagesize */
  pageSize?: number;
}

export type BusySyncOutcome =
  | { kind: "synced"; full: boolean; pages: number; upserted: number; removed: number }
  | { kind: "accessDenied" }
  | { kind: "nothing" };

/** A job's share of one round: the rest continues from the stored nextLink on the next run. */
const MAX_PAGES_PER_RUN = 200;

/** The clinician's row, made on first use with the current window. */
async function syncRow(db: PrismaClient, clinicianId: string, window: { start: Date; end: Date }) {
  await db.outlookSync.createMany({
    skipDuplicates: true,
    data: { clinicianId, windowStart: window.start, windowEnd: window.end },
  });
  return db.outlookSync.findUniqueOrThrow({ where: { clinicianId } });
}

/** Applies one page in one statement: rows written or removed, ours and free or cancelled ones left out. */
async function applyPage(
  db: PrismaClient,
  clinicianId: string,
  items: DeltaItem[],
  window: { start: Date; end: Date },
  seenAt: Date,
  blocking: readonly string[],
): Promise<{ upserted: number; removed: number }> {
  if (items.length === 0) return { upserted: 0, removed: 0 };
  const ids = items.map((i) => i.id);
  const ours = new Set(
    (
      await db.calendarEvent.findMany({
        where: { clinicianId, graphEventId: { in: ids } },
        select: { graphEventId: true },
      })
    ).map((e) => e.graphEventId),
  );
  // the last report of an id in a page wins (an entity may appear more than once)
  const latest = new Map<string, DeltaItem>();
  for (const item of items) latest.set(item.id, item);
  const keep: Extract<DeltaItem, { kind: "event" }>[] = [];
  const drop: string[] = [];
  for (const item of latest.values()) {
    const blocking =
      item.kind === "event" &&
      !item.isCancelled &&
      item.showAs !== "free" &&
      item.end > item.start &&
      !(item.transactionId ?? "").startsWith(TRANSACTION_PREFIX) &&
      !ours.has(item.id) &&
      item.end > window.start &&
      item.start < window.end;
    if (blocking) keep.push(item);
    else drop.push(item.id);
  }
  let upserted = 0;
  if (keep.length > 0) {
    // one INSERT … ON CONFLICT for the whole page: a page of 200 events is one round trip, not 200
    upserted = await db.$executeRaw`
      INSERT INTO "OutlookBusy" ("clinicianId", "graphEventId", "startsAt", "endsAt", "showAs", "subject", "seenAt",
        "blocks")
      SELECT ${clinicianId}::uuid, t.id, t.starts, t.ends, t.show_as, t.subject, ${seenAt}::timestamptz,
        t.show_as = ANY(${[...blocking]}::text[])
      FROM unnest(${keep.map((k) => k.id)}::text[], ${keep.map((k) => k.start)}::timestamptz[],
                  ${keep.map((k) => k.end)}::timestamptz[], ${keep.map((k) => k.showAs)}::text[],
                  ${keep.map((k) => (k.isPrivate ? null : k.subject))}::text[])
        AS t(id, starts, ends, show_as, subject)
      ON CONFLICT ("clinicianId", "graphEventId") DO UPDATE SET
        "startsAt" = EXCLUDED."startsAt", "endsAt" = EXCLUDED."endsAt", "showAs" = EXCLUDED."showAs",
        "subject" = EXCLUDED."subject", "seenAt" = EXCLUDED."seenAt", "blocks" = EXCLUDED."blocks"`;
  }
  const removed = drop.length
    ? (await db.outlookBusy.deleteMany({ where: { clinicianId, graphEventId: { in: drop } } })).count
    : 0;
  return { upserted, removed };
}

/**
 * Runs the clinician's delta until the round ends (or MAX_PAGES_PER_RUN pages): from the round in progress,
 * else from the last deltaLink, else a full round over the window. Throws transient Graph failures for the
 * queue to retry; a refused mailbox (403) is recorded as ACCESS_DENIED and its busy rows are removed, so
 * slots are served from Consulta's own data.
 */
export async function syncClinicianBusy(
  db: PrismaClient,
  deps: BusySyncDeps,
  clinicianId: string,
  now: Date,
): Promise<BusySyncOutcome> {
  const mailbox = await syncedMailboxOf(db, clinicianId);
  if (!mailbox) return { kind: "nothing" };
  const api = deps.calendar(mailbox);
  const pageSize = deps.pageSize ?? 100;
  const window = syncWindow(now, deps.syncDays);
  let row = await syncRow(db, clinicianId, window);
  if (row.windowStart.getTime() !== window.start.getTime() || row.windowEnd.getTime() !== window.end.getTime()) {
    // the window moved on: its tokens describe the old one, so a full round over the new one
    row = await db.outlookSync.update({
      where: { clinicianId },
      data: { windowStart: window.start, windowEnd: window.end, deltaLink: null, nextLink: null, roundStartedAt: null },
    });
  }

  let pages = 0;
  let upserted = 0;
  let removed = 0;
  let resynced = false;
  let full = row.nextLink ? row.fullRound : !row.deltaLink;
  let roundStartedAt = row.nextLink && row.roundStartedAt ? row.roundStartedAt : now;
  let nextLink = row.nextLink;
  let deltaLink = row.deltaLink;
  for (;;) {
    let page: DeltaPage;
    try {
      page = nextLink
        ? await api.deltaFollow(nextLink, pageSize)
        : deltaLink
          ? await api.deltaFollow(deltaLink, pageSize)
          : await api.deltaStart(window.start, window.end, pageSize);
    } catch (error) {
      if (isResyncRequired(error) && !resynced) {
        // the tokens are gone (expired, or the mailbox moved): a full round from the window
        resynced = true;
        nextLink = null;
        deltaLink = null;
        full = true;
        roundStartedAt = now;
        await db.outlookSync.update({ where: { clinicianId }, data: { deltaLink: null, nextLink: null } });
        continue;
      }
      if (isForbidden(error)) {
        await db.$transaction([
          db.outlookBusy.deleteMany({ where: { clinicianId } }),
          db.outlookSync.update({
            where: { clinicianId },
            data: {
              status: "ACCESS_DENIED",
              statusDetail: describeGraphFailure(error),
              deltaLink: null,
              nextLink: null,
              // the safety net asks again after OUTLOOK_DELTA_MINUTES, not every minute
              lastSyncedAt: now,
            },
          }),
        ]);
        return { kind: "accessDenied" };
      }
      await db.outlookSync.update({
        where: { clinicianId },
        data: { status: "FAILING", statusDetail: describeGraphFailure(error) },
      });
      throw error;
    }
    pages++;
    const applied = await applyPage(db, clinicianId, page.items, window, roundStartedAt, deps.blocking);
    upserted += applied.upserted;
    removed += applied.removed;
    if (page.nextLink) {
      nextLink = page.nextLink;
      await db.outlookSync.update({
        where: { clinicianId },
        data: { nextLink, roundStartedAt, fullRound: full },
      });
      if (pages >= MAX_PAGES_PER_RUN) return { kind: "synced", full, pages, upserted, removed };
      continue;
    }
    if (!page.deltaLink) {
      // neither link: Graph's answer cannot continue the round; the next run starts a full one
      await db.outlookSync.update({
        where: { clinicianId },
        data: { deltaLink: null, nextLink: null, status: "FAILING", statusDetail: "200 noDeltaLink" },
      });
      return { kind: "synced", full, pages, upserted, removed };
    }
    const finishedLink = page.deltaLink;
    await db.$transaction(async (tx) => {
      // a full round reported everything in the window: what it did not report is gone
      if (full)
        removed += (await tx.outlookBusy.deleteMany({ where: { clinicianId, seenAt: { lt: roundStartedAt } } })).count;
      await tx.outlookSync.update({
        where: { clinicianId },
        data: {
          deltaLink: finishedLink,
          nextLink: null,
          roundStartedAt: null,
          fullRound: false,
          lastSyncedAt: now,
          status: "OK",
          statusDetail: null,
        },
      });
    });
    return { kind: "synced", full, pages, upserted, removed };
  }
}

/**
 * Brings OutlookBusy.blocks in line with OUTLOOK_BLOCKING_SHOW_AS after the configuration changed (the sweep
 * runs it every minute; it writes only rows whose flag is wrong).
 */
export async function refreshBlockingFlags(db: PrismaClient, blocking: readonly string[]): Promise<number> {
  return db.$executeRaw`
    UPDATE "OutlookBusy" SET "blocks" = NOT "blocks"
    WHERE "blocks" IS DISTINCT FROM ("showAs" = ANY(${[...blocking]}::text[]))`;
}

/** Clinicians whose last delta is older than `minutes` (or never ran): the sweep's safety net. */
export async function cliniciansDueForDelta(db: PrismaClient, now: Date, minutes: number): Promise<string[]> {
  const before = new Date(now.getTime() - minutes * 60_000);
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT u.id FROM "User" u
    LEFT JOIN "OutlookSync" s ON s."clinicianId" = u.id
    WHERE u.role = 'CLINICIAN' AND u.active AND u."entraObjectId" IS NOT NULL
      AND (s."clinicianId" IS NULL OR s."lastSyncedAt" IS NULL OR s."lastSyncedAt" < ${before}
           OR s."nextLink" IS NOT NULL)
    ORDER BY s."lastSyncedAt" NULLS FIRST
    LIMIT 500`;
  return rows.map((r) => r.id);
}
