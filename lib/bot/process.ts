// Applies recorded notifications to Call, CallOperation and CallParticipant. Runs in the bot-notification
// job (never inside the webhook request). Each notification is claimed with a conditional update of its
// InboundNotification row inside the same transaction as its effects, so a redelivered job, a duplicate
// or a crash half-way changes nothing twice.
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/logger";
import type { BotNotification, CallNotification, OperationNotification, RosterNotification } from "./schema";
import {
  applyCallEvent,
  mergeRoster,
  isCallState,
  nextOperationStatus,
  operationStatusFrom,
  type CallSnapshot,
} from "./state";

export interface NotificationJobItem {
  /** InboundNotification.id */
  inboundId: string;
  notification: BotNotification;
}

/**
 * A bot-notification job: drain the call's recorded notifications (lib/bot/drain.ts). `attempt` counts
 * the tries made while the call's row was not committed yet.
 */
export interface DrainJob {
  graphCallId: string;
  attempt?: number;
}

/** The job of releases before drains: the notifications themselves, in delivery order. */
export interface NotificationJob {
  items: NotificationJobItem[];
}

/** The call row is not there yet (its creating request has not committed): the job is retried. */
export class CallNotYetKnown extends Error {
  constructor(readonly graphCallId: string) {
    super(`call ${graphCallId} is not known yet`);
    this.name = "CallNotYetKnown";
  }
}

export type ProcessOutcome = "applied" | "unchanged" | "already-processed" | "no-call";

type Tx = Prisma.TransactionClient;

interface LockedCall {
  id: string;
  state: string;
  establishedAt: Date | null;
  endedAt: Date | null;
  resultCode: number | null;
  resultSubcode: number | null;
  outcome: string | null;
}

async function lockCall(tx: Tx, graphCallId: string): Promise<LockedCall | undefined> {
  // FOR UPDATE serialises every notification of one call, whichever worker holds it
  const rows = await tx.$queryRaw<LockedCall[]>`
    SELECT id, state, "establishedAt", "endedAt", "resultCode", "resultSubcode", outcome
    FROM "Call" WHERE "graphCallId" = ${graphCallId} FOR UPDATE`;
  return rows[0];
}

async function applyCall(tx: Tx, call: LockedCall, n: CallNotification, now: Date): Promise<boolean> {
  if (n.toneSequenceId !== null) {
    // a key press: the value went to the flows in memory; only its arrival is known here
    logger.info({ callId: call.id, sequenceId: n.toneSequenceId }, "tone received");
  }
  const snapshot: CallSnapshot = {
    state: isCallState(call.state) ? call.state : "establishing",
    establishedAt: call.establishedAt,
    endedAt: call.endedAt,
    resultCode: call.resultCode,
    resultSubcode: call.resultSubcode,
    outcome: call.outcome,
  };
  const { next, changed, ignored } = applyCallEvent(snapshot, n, now);
  const from = call.state;
  if (!changed) {
    if (ignored === "stale" || ignored === "final")
      logger.info({ callId: call.id, state: call.state, incoming: n.state, ignored }, "call notification ignored");
    return false;
  }
  await tx.call.update({ where: { id: call.id }, data: next });
  // the next notification of a batch starts from this state (applyCallNotifications)
  Object.assign(call, next);
  if (next.state === "terminated") {
    await tx.callParticipant.updateMany({ where: { callId: call.id, leftAt: null }, data: { leftAt: now } });
  }
  logger.info({ callId: call.id, from, to: next.state }, "call state");
  return true;
}

async function applyRoster(tx: Tx, call: LockedCall, n: RosterNotification, now: Date): Promise<boolean> {
  // a roster that arrives after the call ended describes a call we are no longer in
  if (call.state === "terminated") return false;
  const present = await tx.callParticipant.findMany({
    where: { callId: call.id, leftAt: null },
    select: { graphParticipantId: true },
  });
  // merged by id: an update may list only who changed; someone left only when it says so
  const { upsert, gone } = mergeRoster(
    present.map((p) => p.graphParticipantId),
    n,
  );
  for (const p of upsert) {
    const fields = {
      displayName: p.displayName,
      identityKind: p.identityKind,
      identityId: p.identityId,
      isMuted: p.isMuted,
      isInLobby: p.isInLobby,
      leftAt: null,
    };
    await tx.callParticipant.upsert({
      where: { callId_graphParticipantId: { callId: call.id, graphParticipantId: p.graphParticipantId } },
      create: { callId: call.id, graphParticipantId: p.graphParticipantId, joinedAt: now, ...fields },
      update: fields,
    });
  }
  if (gone.length) {
    await tx.callParticipant.updateMany({
      where: { callId: call.id, graphParticipantId: { in: gone }, leftAt: null },
      data: { leftAt: now },
    });
  }
  logger.info({ callId: call.id, present: upsert.length, left: gone.length }, "roster");
  return true;
}

async function applyOperation(tx: Tx, call: LockedCall, n: OperationNotification, now: Date): Promise<boolean> {
  // a finished operation is always reported as `deleted` with its final status
  const incoming = operationStatusFrom(n.status) ?? (n.changeType === "deleted" ? "COMPLETED" : null);
  const existing = await tx.callOperation.findUnique({ where: { graphOperationId: n.operationId } });
  const finished = incoming === "COMPLETED" || incoming === "FAILED";
  if (!existing) {
    // the notification overtook the response of the request that started the operation
    await tx.callOperation.create({
      data: {
        callId: call.id,
        graphOperationId: n.operationId,
        kind: n.operationKind,
        status: incoming ?? "RUNNING",
        clientContext: n.clientContext,
        resultCode: n.resultInfo?.code ?? null,
        resultSubcode: n.resultInfo?.subcode ?? null,
        completedAt: finished ? now : null,
      },
    });
    return true;
  }
  const status = nextOperationStatus(existing.status, incoming);
  if (status === existing.status) return false;
  await tx.callOperation.update({
    where: { id: existing.id },
    data: {
      status,
      resultCode: n.resultInfo?.code ?? existing.resultCode,
      resultSubcode: n.resultInfo?.subcode ?? existing.resultSubcode,
      completedAt: status === "COMPLETED" || status === "FAILED" ? now : existing.completedAt,
    },
  });
  logger.info({ callId: call.id, operationId: existing.id, status }, "call operation");
  return true;
}

async function applyTo(tx: Tx, call: LockedCall, n: BotNotification, at: Date): Promise<ProcessOutcome> {
  let changed = false;
  switch (n.kind) {
    case "call":
      changed = await applyCall(tx, call, n, at);
      break;
    case "roster":
      changed = await applyRoster(tx, call, n, at);
      break;
    case "operation":
      changed = await applyOperation(tx, call, n, at);
      break;
    case "other":
      break;
  }
  return changed ? "applied" : "unchanged";
}

/**
 * Applies several notifications of one call, in order, in one transaction: the call row is locked once
 * and the rows are claimed by one statement. Null, with nothing claimed, when the call's row does not
 * exist (yet): the caller applies them one by one, which tells a new incoming call from a call whose
 * creating request has not committed.
 */
export async function applyCallNotifications(
  db: PrismaClient,
  graphCallId: string,
  items: NotificationJobItem[],
  now: () => Date = () => new Date(),
): Promise<ProcessOutcome[] | null> {
  return db.$transaction(
    async (tx) => {
      const call = await lockCall(tx, graphCallId);
      if (!call) return null;
      const at = now();
      const claimed = await tx.$queryRaw<{ id: string }[]>`
        UPDATE "InboundNotification" SET "processedAt" = ${at}, payload = NULL
        WHERE id = ANY(${items.map((item) => item.inboundId)}::uuid[]) AND "processedAt" IS NULL
        RETURNING id::text AS id`;
      const mine = new Set(claimed.map((row) => row.id));
      const outcomes: ProcessOutcome[] = [];
      for (const item of items) {
        outcomes.push(mine.has(item.inboundId) ? await applyTo(tx, call, item.notification, at) : "already-processed");
      }
      return outcomes;
    },
    // a burst of a hundred rows under load takes longer than the 5-s default; the pool may be busy too
    { timeout: 30_000, maxWait: 10_000 },
  );
}

export async function processNotification(
  db: PrismaClient,
  item: NotificationJobItem,
  now: () => Date = () => new Date(),
): Promise<ProcessOutcome> {
  const n = item.notification;
  return db.$transaction(async (tx) => {
    const at = now();
    // the payload is dropped once applied: the row keeps what de-duplication needs
    const claimed = await tx.inboundNotification.updateMany({
      where: { id: item.inboundId, processedAt: null },
      data: { processedAt: at, payload: Prisma.DbNull },
    });
    if (claimed.count === 0) return "already-processed";
    const call = await lockCall(tx, n.graphCallId);
    if (!call) {
      // incoming calls (created) belong to the clinic-line flow, which does not exist yet
      if (n.changeType === "created") return "no-call";
      throw new CallNotYetKnown(n.graphCallId);
    }
    return applyTo(tx, call, n, at);
  });
}

/** Applies a job's notifications in order; an unknown call throws so the queue retries the rest later. */
export async function processNotificationJob(
  db: PrismaClient,
  job: NotificationJob,
  now?: () => Date,
): Promise<ProcessOutcome[]> {
  const outcomes: ProcessOutcome[] = [];
  for (const item of job.items) outcomes.push(await processNotification(db, item, now));
  return outcomes;
}
