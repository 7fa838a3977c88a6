// Applies a call's notifications to Call, CallOperation and CallParticipant, in arrival order, inside the
// transaction of the turn that holds the call (lib/bot/runtime/turn.ts): the row lock or the lease makes
// that turn the only one applying this call's notifications, and its transaction marks them processed, so
// a redelivery, a second worker or a crash half-way changes nothing twice. The call's state and its
// operations are computed here and written by the turn's one write statement, with the flow's document.
import "server-only";
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

function applyCall(call: CallRow, n: CallNotification, at: Date): boolean {
  if (n.toneSequenceId !== null) {
    // a key press: the value went to the flow in memory; only its arrival is known here
    logger.info({ callId: call.id, sequenceId: n.toneSequenceId }, "tone received");
  }
  const before = call.state;
  const { next, changed, ignored } = applyCallEvent(snapshotOf(call), n, at);
  if (!changed) {
    if (ignored === "stale" || ignored === "final")
      logger.info({ callId: call.id, state: call.state, incoming: n.state, ignored }, "call notification ignored");
    return false;
  }
  Object.assign(call, next);
  if (before !== call.state) logger.info({ callId: call.id, from: before, to: call.state }, "call state");
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

/** What a turn writes for one operation: created if new, moved forward if not (a finished one never changes). */
export interface OperationChange {
  operationId: string;
  kind: string;
  status: OperationStatusValue;
  clientContext: string | null;
  resultCode: number | null;
  resultSubcode: number | null;
}

/** Folds an operation's news into what the turn already has for it: statuses only move forward. */
export function foldOperation(changes: Map<string, OperationChange>, change: OperationChange): void {
  const seen = changes.get(change.operationId);
  if (!seen) changes.set(change.operationId, { ...change });
  else if (RANK[seen.status] < 2 && RANK[change.status] > RANK[seen.status]) {
    seen.status = change.status;
    seen.resultCode = change.resultCode ?? seen.resultCode;
    seen.resultSubcode = change.resultSubcode ?? seen.resultSubcode;
  }
}

const operationChange = (n: OperationNotification): OperationChange => ({
  operationId: n.operationId,
  kind: n.operationKind,
  // a finished operation is always reported as `deleted` with its final status
  status: operationStatusFrom(n.status) ?? (n.changeType === "deleted" ? "COMPLETED" : "RUNNING"),
  clientContext: n.clientContext,
  resultCode: n.resultInfo?.code ?? null,
  resultSubcode: n.resultInfo?.subcode ?? null,
});

/** What applying a batch changed, for the turn's one write (lib/bot/runtime/turn-write.ts). */
export interface Applied {
  /** the call's state columns changed (`call` holds the new values) */
  callChanged: boolean;
}

/**
 * Applies `notifications` (one call's, in arrival order) to `call`, which the caller holds: the call's state
 * moves in memory (`call`), operations are folded into `operations`, and both are written with the turn's
 * one write. Rosters, which need who is present, are written here.
 */
export async function applyNotifications(
  sql: Sql,
  call: CallRow,
  notifications: BotNotification[],
  operations: Map<string, OperationChange>,
  at: Date,
): Promise<Applied> {
  let callChanged = false;
  for (const n of notifications) {
    if (n.kind === "call") callChanged = applyCall(call, n, at) || callChanged;
    else if (n.kind === "roster") await applyRoster(sql, call, n, at);
    else if (n.kind === "operation") {
      const change = operationChange(n);
      foldOperation(operations, change);
      logger.info({ callId: call.id, operationId: change.operationId, status: change.status }, "call operation");
    }
  }
  return { callChanged };
}

const rank = (column: string) => `(CASE ${column} WHEN 'NOT_STARTED' THEN 0 WHEN 'RUNNING' THEN 1 ELSE 2 END)`;
const advances = `${rank("o.status")} < 2 AND ${rank("EXCLUDED.status")} > ${rank("o.status")}`;

/**
 * The SQL of a turn's operations, as a data-modifying CTE over the parameters `columns` (operationsParams'
 * six arrays) with `callParam` and `atParam` (uuid and timestamptz expressions): a row is created when its
 * notification overtook the response of the request that started it (or the runner's answer is recorded);
 * an existing one moves forward only, a finished one never.
 */
export function operationsCte(columns: string[], callParam: string, atParam: string): string {
  const [op, kind, status, ctx, code, sub] = columns;
  return `INSERT INTO "CallOperation" AS o (id, "callId", "graphOperationId", kind, status, "clientContext",
       "resultCode", "resultSubcode", "completedAt", "createdAt")
     SELECT gen_random_uuid(), ${callParam}, u.op, u.kind, u.status::"OperationStatus", u.ctx, u.code, u.sub,
       CASE WHEN u.status IN ('COMPLETED', 'FAILED') THEN ${atParam} END, ${atParam}
     FROM unnest(${op}::text[], ${kind}::text[], ${status}::text[], ${ctx}::text[], ${code}::int[], ${sub}::int[])
       AS u(op, kind, status, ctx, code, sub)
     ON CONFLICT ("graphOperationId") DO UPDATE SET
       status = CASE WHEN ${advances} THEN EXCLUDED.status ELSE o.status END,
       "resultCode" = CASE WHEN ${advances} THEN COALESCE(EXCLUDED."resultCode", o."resultCode") ELSE o."resultCode" END,
       "resultSubcode" = CASE WHEN ${advances} THEN COALESCE(EXCLUDED."resultSubcode", o."resultSubcode") ELSE o."resultSubcode" END,
       "completedAt" = CASE WHEN ${advances} AND EXCLUDED.status IN ('COMPLETED', 'FAILED') THEN ${atParam} ELSE o."completedAt" END`;
}

export const operationsParams = (changes: OperationChange[]) => [
  changes.map((c) => c.operationId),
  changes.map((c) => c.kind),
  changes.map((c) => c.status),
  changes.map((c) => c.clientContext),
  changes.map((c) => c.resultCode),
  changes.map((c) => c.resultSubcode),
];
