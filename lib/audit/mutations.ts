import "server-only";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";

export interface AuditActor {
  id: string | null;
  label: string;
  ip?: string | null;
}

export const systemActor = (label: string): AuditActor => ({ id: null, label });

/** Who a signed-in person is in the audit log; only what auditActorOf reads. */
export interface AuditedViewer {
  id: string;
  name: string;
  role: string;
  ip: string | null;
}

/**
 * The one audit actor for a signed-in person: "Name (role)", or the bare role when the account has no
 * name. Rows written before this also hold a bare name or a bare role; lib/audit/sentences.ts reads all three.
 */
export function auditActorOf(viewer: AuditedViewer): AuditActor & { id: string } {
  const role = viewer.role.toLowerCase();
  const name = viewer.name.trim();
  return { id: viewer.id, label: name ? `${name} (${role})` : role, ip: viewer.ip };
}

type Writer = Pick<PrismaClient, "auditLog"> | Prisma.TransactionClient;

/**
 * Appends one audit row. Called inside the same transaction as the change it records, so a change
 * without its audit row cannot exist. `details` holds ids and outcomes, never patient data.
 */
export async function recordAudit(
  db: Writer,
  actor: AuditActor,
  action: string,
  entity: { type: string; id?: string | null },
  details?: Prisma.InputJsonValue,
): Promise<void> {
  await db.auditLog.create({
    data: {
      actorId: actor.id,
      actorLabel: actor.label,
      ip: actor.ip ?? null,
      action,
      entityType: entity.type,
      entityId: entity.id ?? null,
      details,
    },
  });
}

/** Repeat reads within this window by the same actor, of the same record, from the same address are one row. */
export const READ_AUDIT_WINDOW_MS = 10 * 60 * 1000;

/**
 * Records that `actor` saw a record. Pages that refresh themselves (the appointment page polls while
 * its meeting is being created) would otherwise write a row every few seconds and bury the changes;
 * so a read already recorded for the same person, record and address within READ_AUDIT_WINDOW_MS is
 * not written again. Who saw what, when and from where stays answerable to the window's precision.
 * One statement (the check and the insert together): reads are recorded on pages many people open at
 * once, the patient's link above all.
 */
export async function recordRead(
  db: Pick<PrismaClient, "$executeRaw"> | Prisma.TransactionClient,
  actor: AuditActor,
  action: string,
  entity: { type: string; id: string },
  now: Date,
): Promise<void> {
  const actorId = actor.id;
  const ip = actor.ip ?? null;
  const since = new Date(now.getTime() - READ_AUDIT_WINDOW_MS);
  // an anonymous actor (a patient link) is told apart by its label, as a signed-in one is by its id
  await db.$executeRaw`
    INSERT INTO "AuditLog" ("actorId", "actorLabel", "action", "entityType", "entityId", "ip")
    SELECT ${actorId}::text, ${actor.label}::text, ${action}::text, ${entity.type}::text, ${entity.id}::text, ${ip}::text
    WHERE NOT EXISTS (
      SELECT 1 FROM "AuditLog"
      WHERE "action" = ${action}::text AND "entityType" = ${entity.type}::text AND "entityId" = ${entity.id}::text
        AND "actorId" IS NOT DISTINCT FROM ${actorId}::text
        AND (${actorId}::text IS NOT NULL OR "actorLabel" = ${actor.label}::text)
        AND "ip" IS NOT DISTINCT FROM ${ip}::text
        AND "at" > ${since}::timestamptz)`;
}
