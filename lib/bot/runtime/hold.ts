// Driving a call this process holds by lease: its Graph commands and the flow's actions run outside any
// transaction, the lease is renewed as they go, and a last transaction applies what arrived meanwhile, saves
// and lets go (or keeps the lease when there is more to run).
import "server-only";
import { logger } from "@/lib/logger";
import { CALL_COLUMNS, foldOperation } from "./apply";
import { isGraphCommand, type GraphCommand, type RuntimeEvent } from "./flow";
import type { Sql, TxSql } from "./sql";
import { RENEW_AFTER_MS, sleep, goneNotification, type Command, type RuntimeContext, type Turn } from "./context";
import { letGo, withPending, type Claimed } from "./claim";
import { pursue } from "./delivery";
import {
  advance,
  feed,
  flowCall,
  forget,
  hasOutsideWork,
  isCommit,
  restoreTurn,
  runAfterCommit,
  settleTaken,
  snapshotTurn,
  takeInbox,
} from "./turn";
import { write } from "./turn-write";

async function execute(runtime: RuntimeContext, turn: Turn, command: Command): Promise<(RuntimeEvent | Command)[]> {
  if (isGraphCommand(command)) {
    const result = await runtime.runner.run(
      {
        callId: turn.call.id,
        graphCallId: turn.call.graphCallId,
        locale: turn.flow && turn.document !== null ? turn.flow.locale(turn.document) : "pt-BR",
        context: turn.flow?.context ?? "call",
      },
      command as GraphCommand,
    );
    if (result.operation)
      foldOperation(turn.operations, {
        operationId: result.operation.graphOperationId,
        kind: result.operation.kind,
        status: result.operation.status,
        clientContext: result.operation.clientContext,
        resultCode: null,
        resultSubcode: null,
      });
    // Graph no longer knows the call: its end is applied (and heard) as if its termination had come
    if (command.type === "hangUp" && result.events.some((e) => e.type === "terminated")) {
      turn.synthetic.push(goneNotification(turn.call.graphCallId));
      return result.events.filter((e) => e.type !== "terminated");
    }
    return result.events;
  }
  if (!turn.flow?.act) {
    logger.error({ callId: turn.call.id, command: command.type }, "no action for a flow command");
    return [];
  }
  return turn.flow.act(flowCall(turn), turn.document, command, turn.held);
}

class LeaseLost extends Error {}

/**
 * Locks the held call's row, checks the lease is still this turn's, and reads what came meanwhile; the call's
 * columns are read again (an action of the flow may have written them: the clinic line's screening, say).
 */
async function relock(runtime: RuntimeContext, tx: Sql, turn: Turn): Promise<Claimed> {
  const [claimed] = await withPending(
    runtime,
    tx,
    `SELECT ${CALL_COLUMNS}, 0 AS ord FROM "Call" c WHERE c.id = $1::uuid FOR UPDATE OF c`,
    [turn.call.id],
  );
  if (!claimed || claimed.call.heldBy !== turn.leaseId) throw new LeaseLost();
  const { flow: _flow, flowAt: _flowAt, heldBy: _heldBy, ...fresh } = claimed.call;
  if (!turn.callChanged) Object.assign(turn.call, fresh);
  return claimed;
}

/**
 * A held call's transaction, tried again while the database is away (up to a minute): what its commands
 * did at Graph is only in this process until it is saved. Whatever runs in it must be safe to run again
 * after a failed attempt (the attempt rolled back; the turn's memory is restored from before it).
 */
async function persistently(runtime: RuntimeContext, turn: Turn, work: (tx: TxSql) => Promise<void>): Promise<void> {
  const giveUpAt = Date.now() + 60_000;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
    const before = snapshotTurn(turn);
    try {
      await runtime.sql.transaction(work);
      settleTaken(runtime, turn);
      return;
    } catch (error) {
      restoreTurn(turn, before);
      if (error instanceof LeaseLost || Date.now() > giveUpAt) throw error;
      logger.warn({ err: error, callId: turn.call.id }, "saving a held call failed; trying again");
      await sleep(delay);
    }
  }
}

export async function driveTurn(runtime: RuntimeContext, turn: Turn): Promise<void> {
  const graphCallId = turn.call.graphCallId;
  try {
    for (;;) {
      takeInbox(turn);
      while (turn.queue.length && !isCommit(turn, turn.queue[0]!)) {
        const command = turn.queue.shift()!;
        for (const event of await execute(runtime, turn, command)) feed(turn, event);
        takeInbox(turn);
        if (turn.queue.length && Date.now() - turn.leasedAt > RENEW_AFTER_MS) {
          await persistently(runtime, turn, async (tx) => {
            await relock(runtime, tx, turn);
            await write(runtime, tx, [{ turn, hold: true }], runtime.now(), true);
          });
        }
      }
      if (turn.holder.inbox.length) continue;
      // letting go: from here new events wait for the database (or for this turn to go on)
      turn.holder.closing = true;
      turn.holder.dirty = false;
      const at = runtime.now();
      await persistently(runtime, turn, async (tx) => {
        const pending = await relock(runtime, tx, turn);
        turn.processed.push(...pending.ids);
        await advance(runtime, tx, turn, pending.notifications, at);
        await write(runtime, tx, [{ turn, hold: hasOutsideWork(turn) }], at, true);
      });
      runAfterCommit(turn);
      if (!turn.leaseId) break;
      turn.holder.closing = false;
    }
    letGo(runtime, turn);
  } catch (error) {
    if (error instanceof LeaseLost) logger.warn({ callId: turn.call.id }, "call taken over by another process");
    else logger.error({ err: error, callId: turn.call.id }, "call turn failed; the lease will expire");
    if (runtime.local.get(graphCallId) === turn.holder) runtime.local.delete(graphCallId);
    // what it stepped may have acted already: not stepped again; what it had not reached goes on
    for (const incoming of turn.taken.splice(0)) {
      incoming.settled = true;
      forget(runtime, graphCallId, incoming);
      incoming.done();
    }
    for (const incoming of turn.holder.inbox.splice(0)) void pursue(runtime, graphCallId, incoming);
  }
}
