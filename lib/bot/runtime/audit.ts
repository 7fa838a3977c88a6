// Audit rows written inside the call runtime's own transactions (lib/bot/runtime/sql.ts), where a flow's
// outcome and its audit row must commit together with the flow's document. Same row as lib/audit's
// recordAudit writes through Prisma: who, what, which subject, ids-only details.
import "server-only";
import type { AuditActor } from "@/lib/audit/mutations";
import type { Sql } from "./sql";

export async function auditInTransaction(
  sql: Sql,
  actor: AuditActor,
  action: string,
  entity: { type: string; id: string | null },
  details: Record<string, string | number | null>,
): Promise<void> {
  await sql.query(
    `INSERT INTO "AuditLog" ("actorId", "actorLabel", ip, action, "entityType", "entityId", details)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
    [actor.id, actor.label, actor.ip ?? null, action, entity.type, entity.id, JSON.stringify(details)],
  );
}
