import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";

export interface AuditActor {
  id: string | null;
  label: string;
  ip?: string | null;
}

export const systemActor = (label: string): AuditActor => ({ id: null, label });

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
