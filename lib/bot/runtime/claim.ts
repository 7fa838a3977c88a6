// Claiming calls: one transaction locks Call rows that no lease holds (FOR UPDATE SKIP LOCKED), reads their
// pending notifications in arrival order, applies them, steps the flows and saves; the calls with commands
// to run keep a lease and are driven (hold.ts), the others are let go.
import "server-only";
import type { BotNotification } from "../schema";
import { CALL_COLUMNS, type CallRow } from "./apply";
import type { Sql } from "./sql";
import { goneNotification, mediaKeyOf, type Holder, type Incoming, type RuntimeContext, type Turn } from "./context";
import { pursue } from "./delivery";
import { driveTurn } from "./hold";
import { advance, hasOutsideWork, openTurn, runAfterCommit, runCommits, settleTaken, take, untake } from "./turn";
import { write } from "./turn-write";
import { wake } from "./worker-loop";

export type Claim =
  | { kind: "pending"; graphCallIds: string[] | null; limit: number }
  /** one call, pending notifications or not; `gone`: Graph no longer knows it */
  | { kind: "one"; graphCallId: string; gone?: boolean };

/** A claimed (or re-locked) call with its notifications not applied yet, in arrival order. */
export interface Claimed {
  call: CallRow;
  ids: string[];
  notifications: BotNotification[];
}

/** Whether `n` brought a key press or recording that another process received (none is here). */
function mediaElsewhere(runtime: RuntimeContext, graphCallId: string, n: BotNotification) {
  const key = mediaKeyOf(n);
  return key !== null && !runtime.media.get(graphCallId)?.some((incoming) => incoming.key === key);
}

/** `locked` (a query locking Call rows as `c`, with an `ord` column) with each call's pending notifications. */
export async function withPending(
  runtime: RuntimeContext,
  tx: Sql,
  locked: string,
  values: unknown[],
): Promise<Claimed[]> {
  const rows = await tx.query<
    CallRow & { nId: string | null; nPayload: BotNotification | null; nRecent: boolean | null }
  >(
    `WITH claimed AS (${locked})
     SELECT claimed.*, n.id::text AS "nId", n.payload AS "nPayload",
       n."receivedAt" > now() - make_interval(secs => ${Number(runtime.mediaHandOffSeconds)}) AS "nRecent"
     FROM claimed LEFT JOIN LATERAL (
       SELECT i.id, i.payload, i.sequence, i."receivedAt" FROM "InboundNotification" i
       WHERE i."graphCallId" = claimed."graphCallId" AND i."processedAt" IS NULL
       ORDER BY i.sequence LIMIT 500) AS n ON true
     ORDER BY claimed.ord, claimed.id, n.sequence`,
    values,
  );
  const calls = new Map<string, Claimed>();
  // calls whose next notification brought a key press or recording to another process: it and everything
  // after it are left to that process, which steps them in order with what only it has (`deliver`); a
  // process that heard nothing (say, it died) for as long as that process tries, and they are applied here
  const waiting = new Set<string>();
  for (const { nId, nPayload, nRecent, ...row } of rows) {
    let claimed = calls.get(row.id);
    if (!claimed) {
      const { ord: _ord, ...call } = row as CallRow & { ord: unknown };
      claimed = { call, ids: [], notifications: [] };
      calls.set(row.id, claimed);
    }
    if (waiting.has(row.id)) continue;
    if (nPayload && nRecent && mediaElsewhere(runtime, row.graphCallId, nPayload)) {
      waiting.add(row.id);
      continue;
    }
    if (nId) claimed.ids.push(nId);
    if (nPayload) claimed.notifications.push(nPayload);
  }
  return [...calls.values()];
}

async function claimRows(runtime: RuntimeContext, tx: Sql, claim: Claim): Promise<Claimed[]> {
  const free = `(c."heldUntil" IS NULL OR c."heldUntil" < now())`;
  if (claim.kind === "one")
    return withPending(
      runtime,
      tx,
      `SELECT ${CALL_COLUMNS}, 0 AS ord FROM "Call" c WHERE c."graphCallId" = $1 AND ${free} FOR UPDATE OF c SKIP LOCKED`,
      [claim.graphCallId],
    );
  if (claim.graphCallIds)
    return withPending(
      runtime,
      tx,
      `SELECT ${CALL_COLUMNS}, 0 AS ord FROM "Call" c
       WHERE c."graphCallId" = ANY($1::text[]) AND ${free}
         AND EXISTS (SELECT 1 FROM "InboundNotification" n
                     WHERE n."graphCallId" = c."graphCallId" AND n."processedAt" IS NULL)
       LIMIT $2 FOR UPDATE OF c SKIP LOCKED`,
      [claim.graphCallIds, claim.limit],
    );
  // the oldest waiting calls first; calls with no row yet are not here (see sweepUnknown)
  return withPending(
    runtime,
    tx,
    `WITH pending AS (
       SELECT "graphCallId", min(sequence) AS first FROM "InboundNotification"
       WHERE "processedAt" IS NULL GROUP BY "graphCallId" ORDER BY first LIMIT 500)
     SELECT ${CALL_COLUMNS}, p.first AS ord FROM pending p JOIN "Call" c ON c."graphCallId" = p."graphCallId"
     WHERE ${free}
     ORDER BY p.first LIMIT $1 FOR UPDATE OF c SKIP LOCKED`,
    [claim.limit],
  );
}

/**
 * One transaction: claims calls, applies their pending notifications, steps their flows, saves, and takes
 * the lease of those with commands to run. Returns the turns, released or held. Every call of a batch
 * commits with the others (the last one's write carries the COMMIT); if one of them fails, none does, and
 * the claim pass tries them one by one (claimPass).
 */
export async function claimAndAdvance(
  runtime: RuntimeContext,
  claim: Claim,
  extra: Incoming[] = [],
  intent?: Holder,
): Promise<Turn[]> {
  const at = runtime.now();
  const registered: [string, Holder][] = [];
  const opened: Turn[] = [];
  try {
    return await runtime.sql.transaction(async (tx) => {
      const claimed = await claimRows(runtime, tx, claim);
      for (const { call } of claimed) {
        // a claim here takes over the registry entry: a claim of the same call begun here meanwhile fails
        const holder = intent ?? { inbox: [], dirty: false, closing: true };
        runtime.local.set(call.graphCallId, holder);
        registered.push([call.graphCallId, holder]);
        const turn = openTurn(runtime, call, holder);
        if (claim.kind === "one" && claim.gone) turn.synthetic.push(goneNotification(call.graphCallId));
        opened.push(turn);
      }
      for (const [i, turn] of opened.entries()) {
        const { ids, notifications } = claimed[i]!;
        turn.processed.push(...ids);
        await advance(runtime, tx, turn, notifications, at);
        // what the claim was for, if its notification did not bring it already (or came long before)
        for (const incoming of extra) take(turn, incoming);
        await runCommits(tx, turn);
      }
      await write(
        runtime,
        tx,
        opened.map((turn) => ({ turn, hold: hasOutsideWork(turn) })),
        at,
        true,
      );
      return opened;
    });
  } catch (error) {
    for (const turn of opened) untake(turn);
    for (const [graphCallId, holder] of registered)
      if (runtime.local.get(graphCallId) === holder) runtime.local.delete(graphCallId);
    throw error;
  }
}

/** After a claim committed: release the holders that are done, drive the others. */
export function afterClaim(runtime: RuntimeContext, turns: Turn[]): Promise<void>[] {
  const drives: Promise<void>[] = [];
  for (const turn of turns) {
    runAfterCommit(turn);
    settleTaken(runtime, turn);
    if (turn.leaseId) {
      turn.holder.closing = false;
      const drive = driveTurn(runtime, turn).finally(() => runtime.driving.delete(drive));
      runtime.driving.add(drive);
      drives.push(drive);
    } else {
      letGo(runtime, turn);
    }
  }
  return drives;
}

export function letGo(runtime: RuntimeContext, turn: Turn) {
  const graphCallId = turn.call.graphCallId;
  if (runtime.local.get(graphCallId) === turn.holder) runtime.local.delete(graphCallId);
  // events that reached the inbox as it closed are handed on: the next turn steps them
  for (const incoming of turn.holder.inbox.splice(0)) void pursue(runtime, graphCallId, incoming);
  if (turn.holder.dirty) wake(runtime, [graphCallId]);
}
