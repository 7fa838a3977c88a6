// A turn's one write: a single statement (data-modifying CTEs) saves what one or more turns changed — the
// call's state and flow document, its operations, the notifications applied — and takes, keeps or lets go of
// the lease.
import "server-only";
import crypto from "node:crypto";
import { operationsCte, operationsParams } from "./apply";
import { CALLS_CHANNEL, type TxSql } from "./sql";
import type { RuntimeContext, Turn } from "./context";

/** What one turn's write adds to the statement (its CTEs), and what to remember once it ran. */
interface WritePlan {
  ctes: string[];
  /** a query the final SELECT must read: `call_n` (its new flowAt) or the wake-up alone */
  reads: string | null;
  saved(flowAt: Date | null): void;
}

/**
 * The parts of the write of `turn` (number `n` of the statement): the call's state, its operations, who
 * left when it ended, the notifications applied, the flow's document (and when it moved), and the lease
 * taken, kept or let go. Null: nothing to write.
 */
function planWrite(
  runtime: RuntimeContext,
  turn: Turn,
  hold: boolean,
  n: number,
  param: (value: unknown) => string,
  when: () => string,
) {
  const json = turn.document === null ? null : JSON.stringify(turn.document);
  const moved = json !== turn.savedJson;
  const leaseId = hold ? (turn.leaseId ?? crypto.randomUUID()) : null;
  const touchesCall = moved || hold || turn.leaseId !== null || turn.callChanged;
  const operations = [...turn.operations.values()];
  // a process that does not listen tells the ones that do to look at the call again as it lets go
  const wake = !hold && !runtime.listening;
  if (!touchesCall && !operations.length && !turn.processed.length && !turn.ended && !wake) return null;
  const { call } = turn;
  // parameters are numbered as they are used: one PostgreSQL cannot type (unused) is an error
  let callParam: string | undefined;
  const id = () => (callParam ??= `${param(call.id)}::uuid`);
  const ctes: string[] = [];
  let reads: string | null = null;
  if (operations.length) {
    const callId = id();
    const time = when();
    const columns = operationsParams(operations).map((column) => param(column));
    ctes.push(`ops_${n} AS (${operationsCte(columns, callId, time)})`);
  }
  if (turn.ended)
    ctes.push(
      `gone_${n} AS (UPDATE "CallParticipant" SET "leftAt" = ${when()} WHERE "callId" = ${id()} AND "leftAt" IS NULL)`,
    );
  if (wake) ctes.push(`woke_${n} AS (SELECT pg_notify(${param(CALLS_CHANNEL)}, ${param(call.graphCallId)}) AS woken)`);
  // an unreferenced CTE that only reads is not run: the statement asks for it
  const woken = wake ? ` AND EXISTS (SELECT 1 FROM woke_${n})` : "";
  const markProcessed = () =>
    `UPDATE "InboundNotification" SET "processedAt" = ${when()}, payload = NULL WHERE id = ANY(${param(turn.processed)}::uuid[])`;
  if (touchesCall) {
    if (turn.processed.length) ctes.push(`done_${n} AS (${markProcessed()})`);
    const finished = turn.flow && turn.document !== null ? turn.flow.finished(turn.document) : true;
    const stalls = turn.flow?.stallAfterMs !== undefined;
    // flowAt: when the flow last moved (the database's clock, as the stall sweep reads it); null once nothing
    // more can happen
    const flowAt = !moved ? `c."flowAt"` : finished || !stalls ? "NULL" : "now()";
    const lease = param(leaseId);
    const state = turn.callChanged
      ? `state = ${param(call.state)}, "establishedAt" = ${param(call.establishedAt)}::timestamptz,
         "endedAt" = ${param(call.endedAt)}::timestamptz, "resultCode" = ${param(call.resultCode)}::int,
         "resultSubcode" = ${param(call.resultSubcode)}::int, outcome = ${param(call.outcome)}, "updatedAt" = now(),`
      : "";
    ctes.push(`call_${n} AS (UPDATE "Call" c SET ${state} flow = ${param(json)}::jsonb, "flowAt" = ${flowAt},
        "heldBy" = ${lease}::uuid,
        "heldUntil" = CASE WHEN ${lease}::uuid IS NULL THEN NULL ELSE now() + make_interval(secs => ${param(runtime.leaseSeconds)}::int) END
      WHERE c.id = ${id()}${woken} RETURNING c."flowAt")`);
    reads = `SELECT ${n} AS n, "flowAt" FROM call_${n}`;
  } else if (turn.processed.length) {
    ctes.push(`done_${n} AS (${markProcessed()}${woken})`);
  } else if (wake) {
    reads = `SELECT ${n} AS n, NULL::timestamptz AS "flowAt" FROM woke_${n}`;
  }
  const plan: WritePlan = {
    ctes,
    reads,
    saved(flowAt) {
      turn.operations.clear();
      turn.processed = [];
      turn.callChanged = false;
      turn.ended = false;
      if (!touchesCall) return;
      turn.savedJson = json;
      call.flowAt = flowAt;
      turn.leaseId = leaseId;
      if (hold) turn.leasedAt = Date.now();
    },
  };
  return plan;
}

/**
 * One statement writes what the turns did (a claim's calls, or one held call). `last`: it is the
 * transaction's last statement, and goes to the server with the COMMIT.
 */
export async function write(
  runtime: RuntimeContext,
  tx: TxSql,
  turns: { turn: Turn; hold: boolean }[],
  at: Date,
  last: boolean,
) {
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  let atParam: string | undefined;
  const when = () => (atParam ??= `${param(at)}::timestamptz`);
  const plans = turns.map(({ turn, hold }, n) => planWrite(runtime, turn, hold, n, param, when));
  const ctes = plans.flatMap((plan) => plan?.ctes ?? []);
  if (!ctes.length) return;
  const reads = plans.flatMap((plan) => (plan?.reads ? [plan.reads] : []));
  // data-modifying CTEs run whether or not they are read
  const text = `WITH ${ctes.join(", ")} ${reads.length ? reads.join(" UNION ALL ") : 'SELECT 0 AS n, NULL::timestamptz AS "flowAt"'}`;
  const rows = await (last ? tx.last : tx.query)<{ n: number; flowAt: Date | null }>(text, values);
  const flowAts = new Map(rows.map((row) => [Number(row.n), row.flowAt]));
  plans.forEach((plan, n) => plan?.saved(flowAts.get(n) ?? null));
}
