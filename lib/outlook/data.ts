// Reads of the clinicians' Outlook for pages: busy times in a range and where the sync stands. Explicit
// ids, no session: lib/outlook/views.ts decides what the person asking may see.
import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";

export interface OutlookBusyBlock {
  graphEventId: string;
  startsAt: Date;
  endsAt: Date;
  showAs: string;
  blocks: boolean;
  /** null for events marked private or confidential */
  subject: string | null;
}

export interface OutlookSyncState {
  status: "PENDING" | "OK" | "ACCESS_DENIED" | "FAILING";
  statusDetail: string | null;
  lastSyncedAt: Date | null;
}

export async function outlookBusyBetween(
  db: PrismaClient,
  clinicianId: string,
  from: Date,
  to: Date,
): Promise<OutlookBusyBlock[]> {
  return db.outlookBusy.findMany({
    where: { clinicianId, endsAt: { gt: from }, startsAt: { lt: to } },
    orderBy: [{ startsAt: "asc" }, { graphEventId: "asc" }],
    select: { graphEventId: true, startsAt: true, endsAt: true, showAs: true, blocks: true, subject: true },
  });
}

export async function outlookSyncState(db: PrismaClient, clinicianId: string): Promise<OutlookSyncState> {
  const row = await db.outlookSync.findUnique({
    where: { clinicianId },
    select: { status: true, statusDetail: true, lastSyncedAt: true },
  });
  return row ?? { status: "PENDING", statusDetail: null, lastSyncedAt: null };
}

/** The mailbox Outlook is synced for: an active clinician's Entra object id, else null (nothing to sync). */
export async function syncedMailboxOf(db: PrismaClient, clinicianId: string): Promise<string | null> {
  const user = await db.user.findUnique({
    where: { id: clinicianId },
    select: { entraObjectId: true, role: true, active: true },
  });
  return user?.role === "CLINICIAN" && user.active ? user.entraObjectId : null;
}
