// Applies a call's notifications to Call, CallOperation and CallParticipant, in arrival order, inside the
// transaction of the turn that holds the call (lib/bot/runtime/engine.ts): the row lock or the lease makes
// that turn the only one applying this call's notifications, and its transaction marks them processed, so
// a redelivery, a second worker or a crash half-way changes nothing twice.
import { logger } from "@/lib/logger";
import type { BotNotification, CallNotification, OperationNotification, RosterNotification } from "../schema";
import {
  applyCallEvent,
  isCallState,
  mergeRoster,
  operationStatusFrom,
  type CallSnapshot,
  type OperationStatusValue,
} from "../state";
import type { Sql } from "./sql";

/** The columns of a held call the runtime reads. */
export interface CallRow {
  id: string;
  graphCallId: string;
  purpose: string;
  state: string;
  establishedAt: Date | null;
  endedAt: Date | null;
  resultCode: number | null;
  resultSubcode: number | null;
  outcome: string | null;
  appointmentId: string | null;
  flow: unknown;
  flowAt: Date | null;
  heldBy: string | null;
}

export const CALL_COLUMNS = `c.id::text AS id, c."graphCallId", c.purpose::text AS purpose, c.state,
  c."establishedAt", c."endedAt", c."resultCode", c."resultSubcode", c.outcome, c."appointmentId"::text AS "appointmentId",
  c.flow, c."flowAt", c."heldBy"::text AS "heldBy"`;

const snapshotOf = (call: CallRow): CallSnapshot => ({
  state: isCallState(call.state) ? call.state : "establishing",
  establishedAt: call.establishedAt,
  endedAt: call.endedAt,
  resultCode: call.resultCode,
  resultSubcode: call.resultSubcode,
  outcome: call.outcome,
});

/**
 * Writes the call's state once for a batch: the snapshot moves through the batch's call notifications in
 * memory (rosters in between read it), and the row is updated at the end if anything changed.
 */
async function saveCall(sql: Sql, call: CallRow, before: string, at: Date): Promise<void> {
  await sql.query(
    `UPDATE "Call" SET state = $2, "establishedAt" = $3, "endedAt" = $4, "resultCode" = $5, "resultSubcode" = $6,
       outcome = $7, "updatedAt" = now() WHERE id = $1::uuid`,
    [call.id, call.state, call.establishedAt, call.endedAt, call.resultCode, call.resultSubcode, call.outcome],
  );
  if (call.state === "terminated")
    await sql.query(`UPDATE "CallParticipant" SET "leftAt" = $2 WHERE "callId" = $1::uuid AND "leftAt" IS NULL`, [
      call.id,
      at,
    ]);
  logger.info({ callId: call.id, from: before, to: call.state }, "call state");
}

function applyCall(call: CallRow, n: CallNotification, at: Date): boolean {
  if (n.toneSequenceId !== null) {
    // a key press: the value went to the flow in memory; only its arrival is known here
    logger.info({ callId: call.id, sequenceId: n.toneSequenceId }, "tone received");
  }
  const { next, changed, ignored } = applyCallEvent(snapshotOf(call), n, at);
  if (!changed) {
    if (ignored === "stale" || ignored === "final")
      logger.info({ callId: call.id, state: call.state, incoming: n.state, ignored }, "call notification ignored");
    return false;
  }
  Object.assign(call, next);
  return true;
}

async function applyRoster(sql: Sql, call: CallRow, n: RosterNotification, at: Date): Promise<void> {
  // a roster that arrives after the call ended describes a call we are no longer in
  if (call.state === "terminated") return;
  const present = await sql.query<{ id: string }>(
    `SELECT "graphParticipantId" AS id FROM "CallParticipant" WHERE "callId" = $1::uuid AND "leftAt" IS NULL`,
    [call.id],
  );
  // merged by id: an update may list only who changed; someone left only when it says so
  const { upsert, gone } = mergeRoster(
    present.map((p) => p.id),
    n,
  );
  if (upsert.length)
    await sql.query(
      `INSERT INTO "CallParticipant" AS p (id, "callId", "graphParticipantId", "displayName", "identityKind",
         "identityId", "isMuted", "isInLobby", "joinedAt", "leftAt")
       SELECT gen_random_uuid(), $1::uuid, u.pid, u.name, u.kind, u.ident, u.muted, u.lobby, $2, NULL
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::bool[])
         AS u(pid, name, kind, ident, muted, lobby)
       ON CONFLICT ("callId", "graphParticipantId") DO UPDATE SET "displayName" = EXCLUDED."displayName",
         "identityKind" = EXCLUDED."identityKind", "identityId" = EXCLUDED."identityId",
         "isMuted" = EXCLUDED."isMuted", "isInLobby" = EXCLUDED."isInLobby", "leftAt" = NULL`,
      [
        call.id,
        at,
        upsert.map((p) => p.graphParticipantId),
        upsert.map((p) => p.displayName),
        upsert.map((p) => p.identityKind),
        upsert.map((p) => p.identityId),
        upsert.map((p) => p.isMuted),
        upsert.map((p) => p.isInLobby),
      ],
    );
  if (gone.length)
    await sql.query(
      `UPDATE "CallParticipant" SET "leftAt" = $3
       WHERE "callId" = $1::uuid AND "graphParticipantId" = ANY($2::text[]) AND "leftAt" IS NULL`,
      [call.id, gone, at],
    );
  logger.info({ callId: call.id, present: upsert.length, left: gone.length }, "roster");
}

const RANK: Record<OperationStatusValue, number> = { NOT_STARTED: 0, RUNNING: 1, COMPLETED: 2, FAILED: 2 };

interface OperationChange {
  operationId: string;
  kind: string;
  status: OperationStatusValue;
  clientContext: string | null;
  resultCode: number | null;
  resultSubcode: number | null;
}

/** A batch's notifications of one operation folded into one change: statuses only move forward. */
function foldOperations(notifications: OperationNotification[]): OperationChange[] {
  const byId = new Map<string, OperationChange>();
  for (const n of notifications) {
    // a finished operation is always reported as `deleted` with its final status
    const incoming = operationStatusFrom(n.status) ?? (n.changeType === "deleted" ? "COMPLETED" : "RUNNING");
    const seen = byId.get(n.operationId);
    if (!seen) {
      byId.set(n.operationId, {
        operationId: n.operationId,
        kind: n.operationKind,
        status: incoming,
        clientContext: n.clientContext,
        resultCode: n.resultInfo?.code ?? null,
        resultSubcode: n.resultInfo?.subcode ?? null,
      });
    } else if (RANK[seen.status] < 2 && RANK[incoming] > RANK[seen.status]) {
      seen.status = incoming;
      seen.resultCode = n.resultInfo?.code ?? seen.resultCode;
      seen.resultSubcode = n.resultInfo?.subcode ?? seen.resultSubcode;
    }
  }
  return [...byId.values()];
}

const rank = (column: string) => `(CASE ${column} WHEN 'NOT_STARTED' THEN 0 WHEN 'RUNNING' THEN 1 ELSE 2 END)`;

/**
 * One statement for the batch's operations: a row is created when the notification overtook the response
 * of the request that started the operation; an existing one moves forward only, a finished one never.
 */
async function applyOperations(sql: Sql, call: CallRow, notifications: OperationNotification[], at: Date) {
  const changes = foldOperations(notifications);
  const advances = `${rank("o.status")} < 2 AND ${rank("EXCLUDED.status")} > ${rank("o.status")}`;
  await sql.query(
    `INSERT INTO "CallOperation" AS o (id, "callId", "graphOperationId", kind, status, "clientContext",
       "resultCode", "resultSubcode", "completedAt", "createdAt")
     SELECT gen_random_uuid(), $1::uuid, u.op, u.kind, u.status::"OperationStatus", u.ctx, u.code, u.sub,
       CASE WHEN u.status IN ('COMPLETED', 'FAILED') THEN $2::timestamptz END, $2::timestamptz
     FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[]) AS u(op, kind, status, ctx, code, sub)
     ON CONFLICT ("graphOperationId") DO UPDATE SET
       status = CASE WHEN ${advances} THEN EXCLUDED.status ELSE o.status END,
       "resultCode" = CASE WHEN ${advances} THEN COALESCE(EXCLUDED."resultCode", o."resultCode") ELSE o."resultCode" END,
       "resultSubcode" = CASE WHEN ${advances} THEN COALESCE(EXCLUDED."resultSubcode", o."resultSubcode") ELSE o."resultSubcode" END,
       "completedAt" = CASE WHEN ${advances} AND EXCLUDED.status IN ('COMPLETED', 'FAILED') THEN $2::timestamptz ELSE o."completedAt" END`,
    [
      call.id,
      at,
      changes.map((c) => c.operationId),
      changes.map((c) => c.kind),
      changes.map((c) => c.status),
      changes.map((c) => c.clientContext),
      changes.map((c) => c.resultCode),
      changes.map((c) => c.resultSubcode),
    ],
  );
  for (const c of changes)
    logger.info({ callId: call.id, operationId: c.operationId, status: c.status }, "call operation");
}

/**
 * Applies `notifications` (one call's, in arrival order) to `call`, which the caller holds; `call` is
 * updated in memory to the state written. Operations are written together after the others, which
 * never read them.
 */
export async function applyNotifications(
  sql: Sql,
  call: CallRow,
  notifications: BotNotification[],
  at: Date,
): Promise<void> {
  const before = call.state;
  let callChanged = false;
  const operations: OperationNotification[] = [];
  for (const n of notifications) {
    if (n.kind === "call") callChanged = applyCall(call, n, at) || callChanged;
    else if (n.kind === "roster") await applyRoster(sql, call, n, at);
    else if (n.kind === "operation") operations.push(n);
  }
  if (callChanged) await saveCall(sql, call, before, at);
  if (operations.length) await applyOperations(sql, call, operations, at);
}
