// The call-flow runtime: the one owner of every call the bot is in (docs/ARCHITECTURE.md, "Calling bot").
//
// The queue is the InboundNotification table. The webhook records each notification (INSERT … ON CONFLICT
// DO NOTHING) and, in the same statement, NOTIFYs CALLS_CHANNEL with the call's id (lib/bot/intake.ts).
// Worker processes LISTEN; a woken worker claims the calls with pending notifications in one short
// transaction — `FOR UPDATE SKIP LOCKED` on their Call rows, skipping rows another worker is claiming and
// calls whose lease is held — and in that same transaction applies the notifications in arrival order, steps
// each call's flow (routed by Call.purpose) and saves its document. When a step asks for Graph commands or
// domain actions, the transaction also takes the call's lease (heldBy, heldUntil on the database clock:
// decision 004), commits, runs them outside any transaction, and a second transaction applies what arrived
// meanwhile, saves and lets go. A process that dies holding a lease delays its call until the lease expires;
// the periodic poll then claims it again.
//
// Key presses and finished recordings are never stored: the process whose webhook received one holds the
// call itself (waiting while another process holds it) and steps the flow with it (`deliver`).
//
// Nothing waits on a timer for its turn: a holder that hears of new rows for its call while holding it
// (its own NOTIFY) claims the call again after letting go, and a process that does not listen (a web server
// with CONSULTA_WORKERS=off) NOTIFYs as it lets go. The poll (every few seconds) is the safety net.
import crypto from "node:crypto";
import { logger } from "@/lib/logger";
import { lifecycleEventOf } from "../flows/call-events";
import type { BotNotification } from "../schema";
import {
  applyNotifications,
  CALL_COLUMNS,
  foldOperation,
  operationsCte,
  operationsParams,
  type CallRow,
  type OperationChange,
} from "./apply";
import {
  isGraphCommand,
  type AnyCallFlow,
  type CommitContext,
  type FlowCall,
  type GraphCommand,
  type Held,
  type RuntimeEvent,
} from "./flow";
import type { CommandRunner } from "./runner";
import { CALLS_CHANNEL, type CallSql, type Sql, type TxSql } from "./sql";
import { ANSWERED_CALL_STATES } from "@/lib/constants";

export const LEASE_SECONDS = 30;
/** a lease older than this (on this process's clock) is renewed before the next command */
const RENEW_AFTER_MS = 10_000;
/** pending notifications of a call with no Call row this long are a call nobody recorded: it is hung up */
export const UNKNOWN_CALL_GIVE_UP_MS = 150_000;
/** Graph ends a call that has had no keepAlive for 45 minutes; we send one every 15 */
export const KEEPALIVE_EVERY_MS = 15 * 60_000;

export interface CallRuntimeDeps {
  sql: CallSql;
  runner: CommandRunner;
  /** the flow of each call purpose (Call.purpose); a purpose without one has its notifications applied only */
  flows: Partial<Record<string, AnyCallFlow>>;
  /** calls held at once by this process's worker loop */
  slots?: number;
  /** the safety-net poll for work whose wake-up was lost */
  pollMs?: number;
  leaseSeconds?: number;
  now?: () => Date;
}

/**
 * An event only this process has (a key press, a recording) or a signal for a call. It is stepped once, by
 * whichever turn of this process gets to it first: in arrival order when that turn applies the notification
 * it came with (`key`: "tone:<sequenceId>", "record:<operationId>"), else as soon as a turn holds the call.
 */
interface Incoming {
  event: RuntimeEvent;
  held: Held;
  key: string | null;
  /** stepped by a turn whose transaction has not committed yet */
  taken: boolean;
  /** stepped and saved (or given up) */
  settled: boolean;
  done(): void;
}

/** A call this process holds (or is claiming). */
interface Holder {
  inbox: Incoming[];
  /** a notification for the call arrived while it was held here: look again after letting go */
  dirty: boolean;
  /** claiming or letting go: new events wait for the database instead of this inbox */
  closing: boolean;
}

type Command = { type: string } & Record<string, unknown>;

interface Turn {
  call: CallRow;
  flow: AnyCallFlow | undefined;
  document: unknown;
  /** the document as last saved, to tell whether the flow moved */
  savedJson: string | null;
  queue: Command[];
  /** the call's state columns changed in memory since the last write */
  callChanged: boolean;
  /** the call ended in this turn: whoever is still present has left */
  ended: boolean;
  /** operations to write (the runner's answers, the notifications' news), folded */
  operations: Map<string, OperationChange>;
  /** notifications applied, to mark processed with the next write */
  processed: string[];
  /** notifications made up by the runtime (a call Graph no longer knows) to apply with the next save */
  synthetic: BotNotification[];
  held: Held;
  leaseId: string | null;
  leasedAt: number;
  after: (() => Promise<unknown>)[];
  holder: Holder;
  /** in-memory events this turn stepped, settled when it commits */
  taken: Incoming[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The in-memory event a notification brings with it: a key press (its sequence), a finished recording. */
function mediaKeyOf(n: BotNotification): string | null {
  if (n.kind === "call") return n.toneSequenceId === null ? null : `tone:${n.toneSequenceId}`;
  if (n.kind === "operation" && n.operationKind === "record") {
    const finished = n.status === "completed" || n.status === "failed" || n.changeType === "deleted";
    return finished ? `record:${n.operationId}` : null;
  }
  return null;
}

/** What the runtime applies when Graph says a call is gone (a hang-up or keepAlive answered 404). */
const goneNotification = (graphCallId: string): BotNotification => ({
  kind: "call",
  graphCallId,
  resourceUrl: `/communications/calls/${graphCallId}`,
  changeType: "deleted",
  state: "terminated",
  resultInfo: null,
  toneSequenceId: null,
  mediaAudio: null,
});

export function callRuntime(deps: CallRuntimeDeps) {
  const { sql, runner, flows } = deps;
  const now = deps.now ?? (() => new Date());
  const leaseSeconds = deps.leaseSeconds ?? LEASE_SECONDS;
  // how long the process that received a key press or recording tries to step it (pursue)
  const mediaHandOffSeconds = leaseSeconds + 5;
  const slots = deps.slots ?? 16;
  const pollMs = deps.pollMs ?? 5_000;
  const local = new Map<string, Holder>();
  /** key presses and recordings received here, by call, until a turn of this process steps them */
  const media = new Map<string, Incoming[]>();
  const driving = new Set<Promise<void>>();
  let listening = false;

  const flowCall = (turn: Turn): FlowCall => ({
    id: turn.call.id,
    graphCallId: turn.call.graphCallId,
    appointmentId: turn.call.appointmentId,
    state: turn.call.state,
  });

  // --- stepping ----------------------------------------------------------------------------------

  function feed(turn: Turn, event: RuntimeEvent | Command) {
    if (!turn.flow || turn.document === null) return;
    const { document, commands } = turn.flow.step(turn.document, event);
    turn.document = document;
    turn.queue.push(...(commands as Command[]));
  }

  /** Steps `incoming` in this turn, unless a turn has already. */
  function take(turn: Turn, incoming: Incoming) {
    if (incoming.taken || incoming.settled) return;
    incoming.taken = true;
    turn.taken.push(incoming);
    turn.held = incoming.held;
    feed(turn, incoming.event);
  }

  function forget(graphCallId: string, incoming: Incoming) {
    const list = media.get(graphCallId)?.filter((i) => i !== incoming);
    if (list?.length) media.set(graphCallId, list);
    else media.delete(graphCallId);
  }

  /** The turn's transaction committed: what it stepped is done. */
  function settleTaken(turn: Turn) {
    for (const incoming of turn.taken.splice(0)) {
      incoming.settled = true;
      forget(turn.call.graphCallId, incoming);
      incoming.done();
    }
  }

  /** The turn's transaction rolled back: what it stepped waits for the next turn. */
  function untake(turn: Turn, from = 0) {
    for (const incoming of turn.taken.splice(from)) incoming.taken = false;
  }

  function openTurn(call: Turn["call"], holder: Holder, held: Held = {}): Turn {
    const flow = flows[call.purpose];
    const turn: Turn = {
      call,
      flow,
      document: null,
      savedJson: call.flow === null ? null : JSON.stringify(call.flow),
      queue: [],
      callChanged: false,
      ended: false,
      operations: new Map(),
      processed: [],
      synthetic: [],
      held,
      // a lease found on a claimed row has expired: this turn takes a lease of its own when it needs one
      leaseId: null,
      leasedAt: Date.now(),
      after: [],
      holder,
      taken: [],
    };
    if (!flow) return turn;
    if (call.flow === null) {
      turn.document = flow.initial(flowCall(turn));
      return turn;
    }
    const parsed = flow.schema.safeParse(call.flow);
    if (parsed.success) turn.document = parsed.data;
    else {
      // never cast: a document this code cannot read is not stepped; the call is ended instead
      logger.error({ callId: call.id, purpose: call.purpose }, "call flow document unreadable; hanging up");
      turn.queue.push({ type: "hangUp" });
    }
    return turn;
  }

  const isCommit = (turn: Turn, command: Command) => turn.flow?.commits?.has(command.type) ?? false;

  /**
   * Inside a transaction: applies the notifications (made-up ones first) to the call in memory, steps the
   * flow with what they mean, and runs the commit commands at the head of the queue. What they change is
   * written by `write`.
   */
  async function advance(tx: Sql, turn: Turn, notifications: BotNotification[], at: Date) {
    const all = [...turn.synthetic.splice(0), ...notifications];
    if (all.length) {
      const wasOver = turn.call.state === "terminated";
      const { callChanged } = await applyNotifications(tx, turn.call, all, turn.operations, at);
      if (callChanged) {
        turn.callChanged = true;
        if (!wasOver && turn.call.state === "terminated") turn.ended = true;
      }
      for (const n of all) {
        const event = lifecycleEventOf(n);
        if (event) feed(turn, event);
        // a key press or recording received here is stepped right after the notification that brought it
        const key = mediaKeyOf(n);
        const incoming = key && media.get(turn.call.graphCallId)?.find((i) => i.key === key);
        if (incoming) take(turn, incoming);
      }
    }
    await runCommits(tx, turn);
  }

  async function runCommits(tx: Sql, turn: Turn) {
    const context: CommitContext = {
      after: (work) => void turn.after.push(work),
      // the flow's business outcome wins over the technical one its termination wrote
      setCallOutcome: (outcome) => {
        turn.call.outcome = outcome;
        turn.callChanged = true;
      },
    };
    while (turn.queue.length && isCommit(turn, turn.queue[0]!)) {
      const command = turn.queue.shift()!;
      const events = await turn.flow!.commit!(tx, flowCall(turn), turn.document, command, context);
      for (const event of events) feed(turn, event);
    }
  }

  const hasOutsideWork = (turn: Turn) => turn.queue.length > 0;

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
  function planWrite(turn: Turn, hold: boolean, n: number, param: (value: unknown) => string, when: () => string) {
    const json = turn.document === null ? null : JSON.stringify(turn.document);
    const moved = json !== turn.savedJson;
    const leaseId = hold ? (turn.leaseId ?? crypto.randomUUID()) : null;
    const touchesCall = moved || hold || turn.leaseId !== null || turn.callChanged;
    const operations = [...turn.operations.values()];
    // a process that does not listen tells the ones that do to look at the call again as it lets go
    const wake = !hold && !listening;
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
    if (wake)
      ctes.push(`woke_${n} AS (SELECT pg_notify(${param(CALLS_CHANNEL)}, ${param(call.graphCallId)}) AS woken)`);
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
          "heldUntil" = CASE WHEN ${lease}::uuid IS NULL THEN NULL ELSE now() + make_interval(secs => ${param(leaseSeconds)}::int) END
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
  async function write(tx: TxSql, turns: { turn: Turn; hold: boolean }[], at: Date, last: boolean) {
    const values: unknown[] = [];
    const param = (value: unknown) => `$${values.push(value)}`;
    let atParam: string | undefined;
    const when = () => (atParam ??= `${param(at)}::timestamptz`);
    const plans = turns.map(({ turn, hold }, n) => planWrite(turn, hold, n, param, when));
    const ctes = plans.flatMap((plan) => plan?.ctes ?? []);
    if (!ctes.length) return;
    const reads = plans.flatMap((plan) => (plan?.reads ? [plan.reads] : []));
    // data-modifying CTEs run whether or not they are read
    const text = `WITH ${ctes.join(", ")} ${reads.length ? reads.join(" UNION ALL ") : 'SELECT 0 AS n, NULL::timestamptz AS "flowAt"'}`;
    const rows = await (last ? tx.last : tx.query)<{ n: number; flowAt: Date | null }>(text, values);
    const flowAts = new Map(rows.map((row) => [Number(row.n), row.flowAt]));
    plans.forEach((plan, n) => plan?.saved(flowAts.get(n) ?? null));
  }

  function runAfterCommit(turn: Turn) {
    for (const work of turn.after.splice(0))
      void work().catch((error: unknown) =>
        logger.warn({ err: error, callId: turn.call.id }, "after-commit work failed"),
      );
  }

  // --- claiming ----------------------------------------------------------------------------------

  type Claim =
    | { kind: "pending"; graphCallIds: string[] | null; limit: number }
    /** one call, pending notifications or not; `gone`: Graph no longer knows it */
    | { kind: "one"; graphCallId: string; gone?: boolean };

  /** A claimed (or re-locked) call with its notifications not applied yet, in arrival order. */
  interface Claimed {
    call: CallRow;
    ids: string[];
    notifications: BotNotification[];
  }

  /** `locked` (a query locking Call rows as `c`, with an `ord` column) with each call's pending notifications. */
  /** Whether `n` brought a key press or recording that another process received (none is here). */
  const mediaElsewhere = (graphCallId: string, n: BotNotification) => {
    const key = mediaKeyOf(n);
    return key !== null && !media.get(graphCallId)?.some((incoming) => incoming.key === key);
  };

  async function withPending(tx: Sql, locked: string, values: unknown[]): Promise<Claimed[]> {
    const rows = await tx.query<
      CallRow & { nId: string | null; nPayload: BotNotification | null; nRecent: boolean | null }
    >(
      `WITH claimed AS (${locked})
       SELECT claimed.*, n.id::text AS "nId", n.payload AS "nPayload",
         n."receivedAt" > now() - make_interval(secs => ${Number(mediaHandOffSeconds)}) AS "nRecent"
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
      if (nPayload && nRecent && mediaElsewhere(row.graphCallId, nPayload)) {
        waiting.add(row.id);
        continue;
      }
      if (nId) claimed.ids.push(nId);
      if (nPayload) claimed.notifications.push(nPayload);
    }
    return [...calls.values()];
  }

  async function claimRows(tx: Sql, claim: Claim): Promise<Claimed[]> {
    const free = `(c."heldUntil" IS NULL OR c."heldUntil" < now())`;
    if (claim.kind === "one")
      return withPending(
        tx,
        `SELECT ${CALL_COLUMNS}, 0 AS ord FROM "Call" c WHERE c."graphCallId" = $1 AND ${free} FOR UPDATE OF c SKIP LOCKED`,
        [claim.graphCallId],
      );
    if (claim.graphCallIds)
      return withPending(
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
  async function claimAndAdvance(claim: Claim, extra: Incoming[] = [], intent?: Holder): Promise<Turn[]> {
    const at = now();
    const registered: [string, Holder][] = [];
    const opened: Turn[] = [];
    try {
      return await sql.transaction(async (tx) => {
        const claimed = await claimRows(tx, claim);
        for (const { call } of claimed) {
          // a claim here takes over the registry entry: a claim of the same call begun here meanwhile fails
          const holder = intent ?? { inbox: [], dirty: false, closing: true };
          local.set(call.graphCallId, holder);
          registered.push([call.graphCallId, holder]);
          const turn = openTurn(call, holder);
          if (claim.kind === "one" && claim.gone) turn.synthetic.push(goneNotification(call.graphCallId));
          opened.push(turn);
        }
        for (const [i, turn] of opened.entries()) {
          const { ids, notifications } = claimed[i]!;
          turn.processed.push(...ids);
          await advance(tx, turn, notifications, at);
          // what the claim was for, if its notification did not bring it already (or came long before)
          for (const incoming of extra) take(turn, incoming);
          await runCommits(tx, turn);
        }
        await write(
          tx,
          opened.map((turn) => ({ turn, hold: hasOutsideWork(turn) })),
          at,
          true,
        );
        return opened;
      });
    } catch (error) {
      for (const turn of opened) untake(turn);
      for (const [graphCallId, holder] of registered) if (local.get(graphCallId) === holder) local.delete(graphCallId);
      throw error;
    }
  }

  /** After a claim committed: release the holders that are done, drive the others. */
  function afterClaim(turns: Turn[]): Promise<void>[] {
    const drives: Promise<void>[] = [];
    for (const turn of turns) {
      runAfterCommit(turn);
      settleTaken(turn);
      if (turn.leaseId) {
        turn.holder.closing = false;
        const drive = driveTurn(turn).finally(() => driving.delete(drive));
        driving.add(drive);
        drives.push(drive);
      } else {
        letGo(turn);
      }
    }
    return drives;
  }

  function letGo(turn: Turn) {
    const graphCallId = turn.call.graphCallId;
    if (local.get(graphCallId) === turn.holder) local.delete(graphCallId);
    // events that reached the inbox as it closed are handed on: the next turn steps them
    for (const incoming of turn.holder.inbox.splice(0)) void pursue(graphCallId, incoming);
    if (turn.holder.dirty) wake([graphCallId]);
  }

  // --- driving a held call -------------------------------------------------------------------------

  async function execute(turn: Turn, command: Command): Promise<(RuntimeEvent | Command)[]> {
    if (isGraphCommand(command)) {
      const result = await runner.run(
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

  function takeInbox(turn: Turn) {
    for (const incoming of turn.holder.inbox.splice(0)) take(turn, incoming);
  }

  class LeaseLost extends Error {}

  /** What a failed transaction may have changed in a turn's memory, to put back before trying again. */
  const snapshotTurn = (turn: Turn) => ({
    call: { ...turn.call },
    document: turn.document,
    savedJson: turn.savedJson,
    queue: [...turn.queue],
    operations: new Map([...turn.operations].map(([id, op]) => [id, { ...op }])),
    processed: [...turn.processed],
    callChanged: turn.callChanged,
    ended: turn.ended,
    synthetic: [...turn.synthetic],
    leaseId: turn.leaseId,
    after: [...turn.after],
    taken: turn.taken.length,
  });

  function restoreTurn(turn: Turn, before: ReturnType<typeof snapshotTurn>) {
    Object.assign(turn.call, before.call);
    turn.document = before.document;
    turn.savedJson = before.savedJson;
    turn.queue = before.queue;
    turn.operations = before.operations;
    turn.processed = before.processed;
    turn.callChanged = before.callChanged;
    turn.ended = before.ended;
    turn.synthetic = before.synthetic;
    turn.leaseId = before.leaseId;
    turn.after = before.after;
    untake(turn, before.taken);
  }

  /**
   * Locks the held call's row, checks the lease is still this turn's, and reads what came meanwhile; the call's
   * columns are read again (an action of the flow may have written them: the clinic line's screening, say).
   */
  async function relock(tx: Sql, turn: Turn): Promise<Claimed> {
    const [claimed] = await withPending(
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
  async function persistently(turn: Turn, work: (tx: TxSql) => Promise<void>): Promise<void> {
    const giveUpAt = Date.now() + 60_000;
    for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
      const before = snapshotTurn(turn);
      try {
        await sql.transaction(work);
        settleTaken(turn);
        return;
      } catch (error) {
        restoreTurn(turn, before);
        if (error instanceof LeaseLost || Date.now() > giveUpAt) throw error;
        logger.warn({ err: error, callId: turn.call.id }, "saving a held call failed; trying again");
        await sleep(delay);
      }
    }
  }

  async function driveTurn(turn: Turn): Promise<void> {
    const graphCallId = turn.call.graphCallId;
    try {
      for (;;) {
        takeInbox(turn);
        while (turn.queue.length && !isCommit(turn, turn.queue[0]!)) {
          const command = turn.queue.shift()!;
          for (const event of await execute(turn, command)) feed(turn, event);
          takeInbox(turn);
          if (turn.queue.length && Date.now() - turn.leasedAt > RENEW_AFTER_MS) {
            await persistently(turn, async (tx) => {
              await relock(tx, turn);
              await write(tx, [{ turn, hold: true }], now(), true);
            });
          }
        }
        if (turn.holder.inbox.length) continue;
        // letting go: from here new events wait for the database (or for this turn to go on)
        turn.holder.closing = true;
        turn.holder.dirty = false;
        const at = now();
        await persistently(turn, async (tx) => {
          const pending = await relock(tx, turn);
          turn.processed.push(...pending.ids);
          await advance(tx, turn, pending.notifications, at);
          await write(tx, [{ turn, hold: hasOutsideWork(turn) }], at, true);
        });
        runAfterCommit(turn);
        if (!turn.leaseId) break;
        turn.holder.closing = false;
      }
      letGo(turn);
    } catch (error) {
      if (error instanceof LeaseLost) logger.warn({ callId: turn.call.id }, "call taken over by another process");
      else logger.error({ err: error, callId: turn.call.id }, "call turn failed; the lease will expire");
      if (local.get(graphCallId) === turn.holder) local.delete(graphCallId);
      // what it stepped may have acted already: not stepped again; what it had not reached goes on
      for (const incoming of turn.taken.splice(0)) {
        incoming.settled = true;
        forget(graphCallId, incoming);
        incoming.done();
      }
      for (const incoming of turn.holder.inbox.splice(0)) void pursue(graphCallId, incoming);
    }
  }

  // --- ways in -----------------------------------------------------------------------------------

  /**
   * Gets `incoming` stepped by a turn of this process: into the turn holding the call here, or by claiming
   * the call (its pending notifications are applied first). "busy": held elsewhere, or being claimed or let
   * go here; "missing": there is no such call.
   */
  async function holdOne(graphCallId: string, incoming: Incoming): Promise<"handled" | "busy" | "missing"> {
    const mine = local.get(graphCallId);
    if (mine && !mine.closing) {
      mine.inbox.push(incoming);
      return "handled";
    }
    if (mine) return "busy";
    const intent: Holder = { inbox: [], dirty: false, closing: true };
    local.set(graphCallId, intent);
    const turns = await claimAndAdvance({ kind: "one", graphCallId }, [incoming], intent);
    if (!turns.length) {
      if (local.get(graphCallId) === intent) local.delete(graphCallId);
      const exists = await sql.query(`SELECT 1 FROM "Call" WHERE "graphCallId" = $1`, [graphCallId]);
      return exists.length ? "busy" : "missing";
    }
    await Promise.all(afterClaim(turns));
    return "handled";
  }

  function incomingOf(event: RuntimeEvent, held: Held = {}, key: string | null = null) {
    let done!: () => void;
    const processed = new Promise<void>((resolve) => (done = resolve));
    const incoming: Incoming = { event, held, key, taken: false, settled: false, done };
    return { incoming, processed };
  }

  /** Tries until `incoming` is stepped, waiting while another process holds the call (at most a lease). */
  async function pursue(graphCallId: string, incoming: Incoming): Promise<void> {
    const deadline = Date.now() + mediaHandOffSeconds * 1000;
    const giveUp = (message: string, level: "info" | "warn") => {
      incoming.settled = true;
      forget(graphCallId, incoming);
      incoming.done();
      logger[level]({ graphCallId, event: incoming.event.type }, message);
    };
    for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
      // a turn of this process got to it meanwhile (it applied the notification that brought it)
      if (incoming.settled || incoming.taken) return;
      let outcome: "handled" | "busy" | "missing";
      try {
        outcome = await holdOne(graphCallId, incoming);
      } catch (error) {
        // the database away: tried again until the deadline, like a busy call
        logger.warn({ err: error, graphCallId }, "call event not applied yet");
        outcome = "busy";
      }
      if (outcome === "handled") return;
      if (outcome === "missing") return giveUp("event for a call the bot does not know", "info");
      if (Date.now() > deadline) return giveUp("call held elsewhere too long; event dropped", "warn");
      await sleep(delay);
    }
  }

  /**
   * An event only this process has (a key press, a finished recording, named by the notification that
   * brought it: `key`): the flow of `graphCallId` steps it — in arrival order when a turn here applies that
   * notification, else as soon as a turn here holds the call, waiting while another process holds it.
   * Resolves once it is stepped and saved.
   */
  async function deliver(graphCallId: string, event: RuntimeEvent, held: Held = {}, key: string | null = null) {
    const { incoming, processed } = incomingOf(event, held, key);
    if (key) media.set(graphCallId, [...(media.get(graphCallId) ?? []), incoming]);
    await pursue(graphCallId, incoming);
    await processed;
  }

  /** A domain signal, or the sweep's `stalled`, for call `callId`: "busy" when it is held elsewhere. */
  async function signal(callId: string, event: RuntimeEvent): Promise<"handled" | "busy" | "missing"> {
    const [row] = await sql.query<{ graphCallId: string }>(`SELECT "graphCallId" FROM "Call" WHERE id = $1::uuid`, [
      callId,
    ]);
    if (!row) return "missing";
    const { incoming, processed } = incomingOf(event);
    const outcome = await holdOne(row.graphCallId, incoming);
    if (outcome === "handled") await processed;
    return outcome;
  }

  // --- the worker loop -----------------------------------------------------------------------------

  const woken = new Set<string>();
  let pollDue = true;
  let running = false;
  let kickLoop: (() => void) | null = null;
  let stopListening: (() => Promise<void>) | null = null;
  let pollTimer: NodeJS.Timeout | undefined;
  let loopDone: Promise<void> = Promise.resolve();

  function kick() {
    const resolve = kickLoop;
    kickLoop = null;
    resolve?.();
  }

  /** New notifications for these calls (the NOTIFY payloads): claimed here unless held here already. */
  function wake(graphCallIds: string[]) {
    for (const id of graphCallIds) {
      const holder = local.get(id);
      if (holder) holder.dirty = true;
      else woken.add(id);
    }
    if (woken.size) kick();
  }

  /** One claim pass: the woken calls, or (when the poll is due) any call with pending notifications. */
  async function claimPass(): Promise<number> {
    const free = slots - driving.size;
    if (free <= 0) return 0;
    let claim: Extract<Claim, { kind: "pending" }>;
    if (pollDue) {
      pollDue = false;
      woken.clear();
      claim = { kind: "pending", graphCallIds: null, limit: free };
    } else {
      const ids = [...woken].filter((id) => !local.has(id));
      woken.clear();
      if (!ids.length) return 0;
      claim = { kind: "pending", graphCallIds: ids, limit: free };
    }
    let turns: Turn[];
    try {
      turns = await claimAndAdvance(claim);
    } catch (error) {
      turns = await oneByOne(claim, error);
    }
    // at the limit: what was not claimed may only have waited for a slot
    if (claim.graphCallIds && turns.length === free) {
      const claimed = new Set(turns.map((t) => t.call.graphCallId));
      for (const id of claim.graphCallIds) if (!claimed.has(id)) woken.add(id);
    }
    afterClaim(turns);
    return turns.length;
  }

  /**
   * A batch failed: its calls are claimed one by one, so that one whose step fails (a defect) does not hold
   * up the others; its notifications stay pending and are tried again by the poll. Throws when none could
   * be claimed (the database away, most likely).
   */
  async function oneByOne(claim: Extract<Claim, { kind: "pending" }>, failure: unknown): Promise<Turn[]> {
    const ids =
      claim.graphCallIds ??
      (
        await sql.query<{ graphCallId: string }>(
          `SELECT DISTINCT "graphCallId" FROM "InboundNotification" WHERE "processedAt" IS NULL LIMIT $1`,
          [claim.limit],
        )
      ).map((row) => row.graphCallId);
    if (ids.length <= 1) throw failure;
    const turns: Turn[] = [];
    let failed = 0;
    for (const graphCallId of ids) {
      try {
        turns.push(...(await claimAndAdvance({ kind: "pending", graphCallIds: [graphCallId], limit: 1 })));
      } catch (error) {
        failed++;
        logger.error({ err: error, graphCallId }, "call turn failed; its notifications stay pending");
      }
    }
    if (failed === ids.length) throw failure;
    return turns;
  }

  async function loop() {
    let failures = 0;
    while (running) {
      if (!woken.size && !pollDue) await new Promise<void>((resolve) => (kickLoop = resolve));
      if (!running) break;
      if (driving.size >= slots) {
        await Promise.race(driving);
        continue;
      }
      try {
        const claimed = await claimPass();
        failures = 0;
        // a full batch may have left more behind
        if (claimed > 0 && claimed >= slots) pollDue = true;
      } catch (error) {
        // the database away, most likely: try again a little later, all of it
        failures++;
        logger.warn({ err: error, failures }, "claiming calls failed");
        pollDue = true;
        await sleep(Math.min(200 * 2 ** failures, 5_000));
      }
    }
  }

  /** Starts this process's worker loop: LISTEN, claim what is pending, then what each NOTIFY names. */
  async function start(): Promise<void> {
    if (running) return;
    running = true;
    listening = true;
    stopListening = await sql.listen(CALLS_CHANNEL, {
      notify: (graphCallId) => wake([graphCallId]),
      // notifications sent while the connection was down are gone: look at everything
      reconnected: () => {
        pollDue = true;
        kick();
      },
    });
    pollTimer = setInterval(() => {
      pollDue = true;
      kick();
    }, pollMs);
    pollTimer.unref();
    loopDone = loop();
  }

  /** Stops claiming; resolves when the calls held here have been let go (graceful shutdown). */
  async function stop(): Promise<void> {
    running = false;
    clearInterval(pollTimer);
    kick();
    await stopListening?.();
    stopListening = null;
    listening = false;
    await loopDone;
    await settled();
  }

  async function settled(): Promise<void> {
    while (driving.size) await Promise.allSettled([...driving]);
  }

  // --- the sweep -------------------------------------------------------------------------------------

  /**
   * Flows that have not moved for their stallAfterMs (on the database's clock) are sent `stalled`: their
   * driver died, or an event was lost.
   */
  async function sweepStalled(): Promise<number> {
    let stalled = 0;
    for (const [purpose, flow] of Object.entries(flows)) {
      if (!flow?.stallAfterMs) continue;
      const rows = await sql.query<{ id: string }>(
        `SELECT id::text AS id FROM "Call"
         WHERE purpose = $1::"CallPurpose" AND "flowAt" < now() - make_interval(secs => $2::float8)
           AND ("heldUntil" IS NULL OR "heldUntil" < now())
         ORDER BY "flowAt" LIMIT 100`,
        [purpose, flow.stallAfterMs / 1000],
      );
      for (const { id } of rows) {
        if ((await signal(id, { type: "stalled" })) === "handled") {
          stalled++;
          logger.warn({ callId: id }, "stalled call flow ended");
        }
      }
    }
    return stalled;
  }

  /**
   * Notifications of a call that still has no Call row long after they came: the process that placed the
   * call died between Graph's answer and writing it down. Nobody drives that call and nobody ever will, so it
   * is hung up rather than left holding a line (and a place under Microsoft's concurrent-call limit).
   */
  async function sweepUnknown(at: Date): Promise<number> {
    const rows = await sql.query<{ graphCallId: string }>(
      `SELECT n."graphCallId" FROM "InboundNotification" n
       WHERE n."processedAt" IS NULL
         AND NOT EXISTS (SELECT 1 FROM "Call" c WHERE c."graphCallId" = n."graphCallId")
       GROUP BY n."graphCallId" HAVING min(n."receivedAt") < now() - make_interval(secs => $1::float8) LIMIT 100`,
      [UNKNOWN_CALL_GIVE_UP_MS / 1000],
    );
    let abandoned = 0;
    for (const { graphCallId } of rows) {
      try {
        await runner.hangUpUnlessGone(graphCallId);
      } catch (error) {
        logger.warn({ err: error, graphCallId }, "unknown call not hung up; trying again later");
        continue;
      }
      await sql.query(
        `UPDATE "InboundNotification" n SET "processedAt" = $2, payload = NULL
         WHERE n."graphCallId" = $1 AND n."processedAt" IS NULL
           AND NOT EXISTS (SELECT 1 FROM "Call" c WHERE c."graphCallId" = n."graphCallId")`,
        [graphCallId, at],
      );
      logger.warn({ graphCallId }, "call never recorded; hung up");
      abandoned++;
    }
    return abandoned;
  }

  /**
   * A keepAlive for every live call whose last one (or its start) is KEEPALIVE_EVERY_MS old, each under its
   * lease. A call Graph no longer knows (404) has ended and its termination was lost: it is applied as if
   * it had come, so its flow ends too.
   */
  async function keepAlive(at: Date, limit = 200): Promise<{ sent: number; gone: number; failed: number }> {
    const due = new Date(at.getTime() - KEEPALIVE_EVERY_MS);
    const leased = await sql.transaction(async (tx) => {
      const rows = await tx.query<{ id: string; graphCallId: string }>(
        `SELECT c.id::text AS id, c."graphCallId" FROM "Call" c
         WHERE c.state = ANY($1::text[]) AND c."graphCallId" NOT LIKE 'pending:%'
           AND COALESCE(c."keepAliveAt", c."createdAt") <= $2
           AND (c."heldUntil" IS NULL OR c."heldUntil" < now())
         ORDER BY c."createdAt" LIMIT $3 FOR UPDATE OF c SKIP LOCKED`,
        [ANSWERED_CALL_STATES, due, limit],
      );
      const leaseId = crypto.randomUUID();
      if (rows.length)
        await tx.query(
          `UPDATE "Call" SET "heldBy" = $2::uuid, "heldUntil" = now() + make_interval(secs => $3::int)
           WHERE id = ANY($1::uuid[])`,
          [rows.map((r) => r.id), leaseId, leaseSeconds],
        );
      return { rows, leaseId };
    });
    const result = { sent: 0, gone: 0, failed: 0 };
    for (const call of leased.rows) {
      const outcome = await runner.keepAlive({ callId: call.id, graphCallId: call.graphCallId });
      const release = `"heldBy" = NULL, "heldUntil" = NULL`;
      if (outcome === "kept") {
        result.sent++;
        await sql.query(
          `UPDATE "Call" SET "keepAliveAt" = $3, ${release} WHERE id = $1::uuid AND "heldBy" = $2::uuid`,
          [call.id, leased.leaseId, at],
        );
        continue;
      }
      if (outcome === "failed") result.failed++;
      await sql.query(`UPDATE "Call" SET ${release} WHERE id = $1::uuid AND "heldBy" = $2::uuid`, [
        call.id,
        leased.leaseId,
      ]);
      if (outcome === "gone") {
        result.gone++;
        logger.warn({ callId: call.id }, "keepAlive: the call was already gone");
        await ended(call.graphCallId);
      }
    }
    return result;
  }

  /** Applies the end of a call Graph no longer knows, as its termination would have been. */
  async function ended(graphCallId: string) {
    if (local.has(graphCallId)) return;
    const intent: Holder = { inbox: [], dirty: false, closing: true };
    local.set(graphCallId, intent);
    const turns = await claimAndAdvance({ kind: "one", graphCallId, gone: true }, [], intent);
    if (!turns.length && local.get(graphCallId) === intent) local.delete(graphCallId);
    await Promise.all(afterClaim(turns));
  }

  /** The runtime's sweep (every minute): stalled flows, calls nobody recorded, keepAlives. */
  async function sweep(at = now()) {
    const stalled = await sweepStalled();
    const unknown = await sweepUnknown(at);
    const kept = await keepAlive(at);
    return { stalled, unknown, keepAlive: kept };
  }

  return {
    start,
    stop,
    settled,
    deliver,
    signal,
    wake,
    sweep,
    keepAlive,
    /** one claim pass over everything pending, now (tests; the loop does this on its own) */
    async runPending(): Promise<void> {
      const turns = await claimAndAdvance({ kind: "pending", graphCallIds: null, limit: 100 });
      await Promise.all(afterClaim(turns));
    },
  };
}

export type CallRuntime = ReturnType<typeof callRuntime>;
