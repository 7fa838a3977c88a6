// One clinician's Outlook, brought up to date: the subscription first (made, renewed or made again, so
// nothing changes unheard after this run), then the delta. What the outlook-sync job runs, for a
// notification, a lifecycle event or the safety net alike.
import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { syncClinicianBusy, type BusySyncDeps, type BusySyncOutcome } from "./busy-sync";
import { ensureSubscription, type SubscriptionDeps, type SubscriptionOutcome } from "./subscription-sync";

export type OutlookSyncDeps = BusySyncDeps & SubscriptionDeps;

export async function syncOutlook(
  db: PrismaClient,
  deps: OutlookSyncDeps,
  clinicianId: string,
  now: Date,
): Promise<{ subscription: SubscriptionOutcome; busy: BusySyncOutcome }> {
  const subscription = await ensureSubscription(db, deps, clinicianId, now);
  const busy = await syncClinicianBusy(db, deps, clinicianId, now);
  return { subscription, busy };
}
