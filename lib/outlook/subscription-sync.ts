// One change-notification subscription per clinician on their Outlook events: created when missing (Graph
// validates our notification URL during the POST), renewed a day before it expires (renewing also
// reauthorizes it), made again after Graph removed it. Its clientState is a fresh random secret; only its
// SHA-256 is stored, written before the subscription exists so the first notification already verifies.
import "server-only";
import crypto from "node:crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { SubscriptionsApi } from "@/lib/graph/gateway";
import { describeGraphFailure, isForbidden, isNotFound } from "@/lib/graph/errors";
import { syncedMailboxOf } from "./data";
import { syncWindow } from "./settings";

export interface SubscriptionDeps {
  subscriptions: SubscriptionsApi;
  urls: { notificationUrl: string; lifecycleNotificationUrl: string };
  syncDays: number;
  /** how long a subscription is asked for (Outlook events allow 10,080 minutes) */
  lifetimeMinutes?: number;
  /** renewed when less than this is left */
  renewBeforeMinutes?: number;
}

export type SubscriptionOutcome = "current" | "created" | "renewed" | "failed" | "accessDenied" | "nothing";

const DEFAULT_LIFETIME_MINUTES = 3 * 24 * 60;
const DEFAULT_RENEW_BEFORE_MINUTES = 24 * 60;

export const hashClientState = (clientState: string) =>
  crypto.createHash("sha256").update(clientState, "utf8").digest("hex");

export async function ensureSubscription(
  db: PrismaClient,
  deps: SubscriptionDeps,
  clinicianId: string,
  now: Date,
): Promise<SubscriptionOutcome> {
  const mailbox = await syncedMailboxOf(db, clinicianId);
  if (!mailbox) return "nothing";
  const window = syncWindow(now, deps.syncDays);
  await db.outlookSync.createMany({
    skipDuplicates: true,
    data: { clinicianId, windowStart: window.start, windowEnd: window.end },
  });
  const row = await db.outlookSync.findUniqueOrThrow({ where: { clinicianId } });
  const lifetime = (deps.lifetimeMinutes ?? DEFAULT_LIFETIME_MINUTES) * 60_000;
  const renewBefore = (deps.renewBeforeMinutes ?? DEFAULT_RENEW_BEFORE_MINUTES) * 60_000;
  const expiration = new Date(now.getTime() + lifetime);

  try {
    if (row.subscriptionId && row.subscriptionExpiresAt) {
      if (row.subscriptionExpiresAt.getTime() - now.getTime() > renewBefore) return "current";
      try {
        const renewed = await deps.subscriptions.renew(row.subscriptionId, expiration);
        await db.outlookSync.update({
          where: { clinicianId },
          data: { subscriptionExpiresAt: renewed.expiration },
        });
        return "renewed";
      } catch (error) {
        // Graph removed it (expired, or taken away): a new one below
        if (!isNotFound(error)) throw error;
      }
    }
    const clientState = crypto.randomBytes(32).toString("base64url");
    await db.outlookSync.update({
      where: { clinicianId },
      data: { subscriptionId: null, subscriptionExpiresAt: null, clientStateHash: hashClientState(clientState) },
    });
    const created = await deps.subscriptions.createForEvents({
      userId: mailbox,
      ...deps.urls,
      clientState,
      expiration,
    });
    await db.outlookSync.update({
      where: { clinicianId },
      data: { subscriptionId: created.id, subscriptionExpiresAt: created.expiration },
    });
    return "created";
  } catch (error) {
    if (isForbidden(error)) return "accessDenied";
    // without a subscription the safety-net delta still keeps busy times current, only later
    await db.outlookSync.update({
      where: { clinicianId },
      data: { statusDetail: `subscription: ${describeGraphFailure(error)}` },
    });
    return "failed";
  }
}

/**
 * Clinicians whose subscription expires within the renewal margin. A missing one is made by the clinician's
 * next sync (the safety net runs it every OUTLOOK_DELTA_MINUTES), so a tenant that refuses subscriptions is
 * not asked every minute.
 */
export async function subscriptionsDueForRenewal(
  db: PrismaClient,
  now: Date,
  renewBeforeMinutes = DEFAULT_RENEW_BEFORE_MINUTES,
): Promise<string[]> {
  const soon = new Date(now.getTime() + renewBeforeMinutes * 60_000);
  const rows = await db.outlookSync.findMany({
    where: { subscriptionId: { not: null }, subscriptionExpiresAt: { lte: soon }, status: { not: "ACCESS_DENIED" } },
    select: { clinicianId: true },
    take: 500,
  });
  return rows.map((r) => r.clinicianId);
}
