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
import { applyNotifications, CALL_COLUMNS, type CallRow } from "./apply";
import {
  isGraphCommand,
  type AfterCommit,
  type AnyCallFlow,
  type FlowCall,
  type GraphCommand,
  type Held,
  type RuntimeEvent,
} from "./flow";
import type { CommandRunner, StartedOperation } from "./runner";
import { CALLS_CHANNEL, type CallSql, type Sql } from "./sql";

export const LEASE_SECONDS = 30;
/** a lease older than this (on this process's clock) is renewed before the next command */
const RENEW_AFTER_MS = 10_000;
/** pending notifications of a call with no Call row this long are a call nobody recorded: it is hung up */
export const UNKNOWN_CALL_GIVE_UP_MS = 150_000;
/** Graph ends a call that has had no keepAlive for 45 minutes; we send one every 15 */
export const KEEPALIVE_EVERY_MS = 15 * 60_000;
const LIVE_STATES = ["establishing", "ringing", "established", "hold", "transferring", "transferAccepted"];

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

interface Incoming {
  event: RuntimeEvent;
  held: Held;
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
  operations: StartedOperation[];
  /** notifications made up by the runtime (a call Graph no longer knows) to apply with the next save */
  synthetic: BotNotification[];
  held: Held;
  leaseId: string | null;
  leasedAt: number;
  after: (() => Promise<unknown>)[];
  holder: Holder;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  const slots = deps.slots ?? 16;
  const pollMs = deps.pollMs ?? 5_000;
  const local = new Map<string, Holder>();
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

  function openTurn(call: Turn["call"], holder: Holder, held: Held = {}): Turn {
    const flow = flows[call.purpose];
    const turn: Turn = {
      call,
      flow,
      document: null,
      savedJson: call.flow === null ? null : JSON.stringify(call.flow),
      queue: [],
      operations: [],
      synthetic: [],
      held,
      // a lease found on a claimed row has expired: this turn takes a lease of its own when it needs one
      leaseId: null,
      leasedAt: Date.now(),
      after: [],
      holder,
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
   * Inside a transaction: records the operations the runner started, applies the notifications (made-up ones
   * first), steps the flow with what they mean, and runs the commit commands at the head of the queue.
   */
  async function advance(tx: Sql, turn: Turn, notifications: BotNotification[], at: Date) {
    if (turn.operations.length) {
      const ops = turn.operations.splice(0);
      await tx.query(
        `INSERT INTO "CallOperation" (id, "callId", "graphOperationId", kind, status, "clientContext", "createdAt", "completedAt")
         SELECT gen_random_uuid(), $1::uuid, u.op, u.kind, u.status::"OperationStatus", u.ctx, $2::timestamptz,
           CASE WHEN u.status <> 'RUNNING' THEN $2::timestamptz END
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS u(op, kind, status, ctx)
         ON CONFLICT ("graphOperationId") DO NOTHING`,
        [
          turn.call.id,
          at,
          ops.map((o) => o.graphOperationId),
          ops.map((o) => o.kind),
          ops.map((o) => o.status),
          ops.map((o) => o.clientContext),
        ],
      );
    }
    const all = [...turn.synthetic.splice(0), ...notifications];
    if (all.length) {
      await applyNotifications(tx, turn.call, all, at);
      for (const n of all) {
        const event = lifecycleEventOf(n);
        if (event) feed(turn, event);
      }
    }
    await runCommits(tx, turn);
  }

  async function runCommits(tx: Sql, turn: Turn) {
    while (turn.queue.length && isCommit(turn, turn.queue[0]!)) {
      const command = turn.queue.shift()!;
      const after: AfterCommit = (work) => void turn.after.push(work);
      const events = await turn.flow!.commit!(tx, flowCall(turn), turn.document, command, after);
      for (const event of events) feed(turn, event);
    }
  }

  const hasOutsideWork = (turn: Turn) => turn.queue.length > 0;

  /** Saves the document (and when it moved) and takes, keeps or lets go of the lease. */
  async function save(tx: Sql, turn: Turn, hold: boolean) {
    const json = turn.document === null ? null : JSON.stringify(turn.document);
    const moved = json !== turn.savedJson;
    const leaseId = hold ? (turn.leaseId ?? crypto.randomUUID()) : null;
    if (!moved && !hold && turn.leaseId === null) return;
    const finished = turn.flow && turn.document !== null ? turn.flow.finished(turn.document) : true;
    const stalls = turn.flow?.stallAfterMs !== undefined;
    // flowAt: when the flow last moved (the database's clock, as the stall sweep reads it); null once nothing
    // more can happen
    const flowAt = !moved ? "keep" : finished || !stalls ? "clear" : "now";
    const [saved] = await tx.query<{ flowAt: Date | null }>(
      `UPDATE "Call" SET flow = $2::jsonb,
         "flowAt" = CASE $3::text WHEN 'now' THEN now() WHEN 'clear' THEN NULL ELSE "flowAt" END,
         "heldBy" = $4::uuid,
         "heldUntil" = CASE WHEN $4::uuid IS NULL THEN NULL ELSE now() + make_interval(secs => $5::int) END
       WHERE id = $1::uuid RETURNING "flowAt"`,
      [turn.call.id, json, flowAt, leaseId, leaseSeconds],
    );
    turn.savedJson = json;
    turn.call.flowAt = saved?.flowAt ?? null;
    turn.leaseId = leaseId;
    if (hold) turn.leasedAt = Date.now();
    // a process that does not listen tells the ones that do to look at the call again
    if (!hold && !listening) await tx.query(`SELECT pg_notify($1, $2)`, [CALLS_CHANNEL, turn.call.graphCallId]);
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

  async function claimRows(tx: Sql, claim: Claim): Promise<Turn["call"][]> {
    const columns = CALL_COLUMNS;
    const free = `(c."heldUntil" IS NULL OR c."heldUntil" < now())`;
    if (claim.kind === "one") {
      return tx.query(
        `SELECT ${columns} FROM "Call" c WHERE c."graphCallId" = $1 AND ${free} FOR UPDATE OF c SKIP LOCKED`,
        [claim.graphCallId],
      );
    }
    if (claim.graphCallIds) {
      return tx.query(
        `SELECT ${columns} FROM "Call" c
         WHERE c."graphCallId" = ANY($1::text[]) AND ${free}
           AND EXISTS (SELECT 1 FROM "InboundNotification" n
                       WHERE n."graphCallId" = c."graphCallId" AND n."processedAt" IS NULL)
         LIMIT $2 FOR UPDATE OF c SKIP LOCKED`,
        [claim.graphCallIds, claim.limit],
      );
    }
    // the oldest waiting calls first; calls with no row yet are not here (see sweepUnknown)
    return tx.query(
      `WITH pending AS (
         SELECT "graphCallId", min(sequence) AS first FROM "InboundNotification"
         WHERE "processedAt" IS NULL GROUP BY "graphCallId" ORDER BY first LIMIT 500)
       SELECT ${columns} FROM pending p JOIN "Call" c ON c."graphCallId" = p."graphCallId"
       WHERE ${free}
       ORDER BY p.first LIMIT $1 FOR UPDATE OF c SKIP LOCKED`,
      [claim.limit],
    );
  }

  async function pendingOf(tx: Sql, graphCallIds: string[]) {
    const rows = await tx.query<{ id: string; graphCallId: string; payload: BotNotification | null }>(
      `SELECT id::text AS id, "graphCallId", payload FROM "InboundNotification"
       WHERE "processedAt" IS NULL AND "graphCallId" = ANY($1::text[])
       ORDER BY sequence LIMIT 2000`,
      [graphCallIds],
    );
    const byCall = new Map<string, { ids: string[]; list: BotNotification[] }>();
    for (const row of rows) {
      const entry = byCall.get(row.graphCallId) ?? { ids: [], list: [] };
      entry.ids.push(row.id);
      if (row.payload) entry.list.push(row.payload);
      byCall.set(row.graphCallId, entry);
    }
    return byCall;
  }

  /**
   * One transaction: claims calls, applies their pending notifications, steps their flows, saves, and takes
   * the lease of those with commands to run. Returns the turns, released or held. A batch isolates each call
   * in a savepoint: one call whose step fails (a defect) does not hold up the others; its notifications stay
   * pending and are tried again by the poll.
   */
  async function claimAndAdvance(claim: Claim, extra: Incoming[] = [], intent?: Holder): Promise<Turn[]> {
    const at = now();
    const registered: [string, Holder][] = [];
    try {
      return await sql.transaction(async (tx) => {
        const rows = await claimRows(tx, claim);
        if (!rows.length) return [];
        const turns = rows.map((row) => {
          // a batch claim takes over the registry entry: a claim of the same call begun here meanwhile fails
          const holder = intent ?? { inbox: [], dirty: false, closing: true };
          local.set(row.graphCallId, holder);
          registered.push([row.graphCallId, holder]);
          const turn = openTurn(row, holder);
          if (claim.kind === "one" && claim.gone) turn.synthetic.push(goneNotification(row.graphCallId));
          return turn;
        });
        const pending = await pendingOf(
          tx,
          turns.map((t) => t.call.graphCallId),
        );
        const isolate = turns.length > 1;
        const done: Turn[] = [];
        const processed: string[] = [];
        for (const turn of turns) {
          const graphCallId = turn.call.graphCallId;
          if (isolate) await tx.query("SAVEPOINT turn");
          try {
            await advance(tx, turn, pending.get(graphCallId)?.list ?? [], at);
            for (const incoming of extra) {
              turn.held = incoming.held;
              feed(turn, incoming.event);
            }
            await runCommits(tx, turn);
            await save(tx, turn, hasOutsideWork(turn));
            if (isolate) await tx.query("RELEASE SAVEPOINT turn");
          } catch (error) {
            if (!isolate) throw error;
            await tx.query("ROLLBACK TO SAVEPOINT turn");
            logger.error({ err: error, callId: turn.call.id }, "call turn failed; its notifications stay pending");
            if (local.get(graphCallId) === turn.holder) local.delete(graphCallId);
            continue;
          }
          done.push(turn);
          processed.push(...(pending.get(graphCallId)?.ids ?? []));
        }
        if (processed.length)
          await tx.query(
            `UPDATE "InboundNotification" SET "processedAt" = $2, payload = NULL WHERE id = ANY($1::uuid[])`,
            [processed, at],
          );
        return done;
      });
    } catch (error) {
      for (const [graphCallId, holder] of registered) if (local.get(graphCallId) === holder) local.delete(graphCallId);
      throw error;
    }
  }

  /** After a claim committed: release the holders that are done, drive the others. */
  function afterClaim(turns: Turn[]): Promise<void>[] {
    const drives: Promise<void>[] = [];
    for (const turn of turns) {
      runAfterCommit(turn);
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
    // events that reached the inbox after it was closed are handed on as new deliveries
    for (const incoming of turn.holder.inbox.splice(0))
      void deliver(graphCallId, incoming.event, incoming.held).then(incoming.done);
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
      if (result.operation) turn.operations.push(result.operation);
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
    for (const incoming of turn.holder.inbox.splice(0)) {
      turn.held = incoming.held;
      feed(turn, incoming.event);
      incoming.done();
    }
  }

  class LeaseLost extends Error {}

  /** What a failed transaction may have changed in a turn's memory, to put back before trying again. */
  const snapshotTurn = (turn: Turn) => ({
    call: { ...turn.call },
    document: turn.document,
    savedJson: turn.savedJson,
    queue: [...turn.queue],
    operations: [...turn.operations],
    synthetic: [...turn.synthetic],
    leaseId: turn.leaseId,
    after: [...turn.after],
  });

  function restoreTurn(turn: Turn, before: ReturnType<typeof snapshotTurn>) {
    Object.assign(turn.call, before.call);
    turn.document = before.document;
    turn.savedJson = before.savedJson;
    turn.queue = before.queue;
    turn.operations = before.operations;
    turn.synthetic = before.synthetic;
    turn.leaseId = before.leaseId;
    turn.after = before.after;
  }

  /** Locks the held call's row and checks the lease is still this turn's. */
  async function relock(tx: Sql, turn: Turn) {
    const [row] = await tx.query<{ heldBy: string | null }>(
      `SELECT "heldBy"::text AS "heldBy" FROM "Call" WHERE id = $1::uuid FOR UPDATE`,
      [turn.call.id],
    );
    if (!row || row.heldBy !== turn.leaseId) throw new LeaseLost();
  }

  /**
   * A held call's transaction, tried again while the database is away (up to a minute): what its commands
   * did at Graph is only in this process until it is saved. Whatever runs in it must be safe to run again
   * after a failed attempt (the attempt rolled back; the turn's memory is restored from before it).
   */
  async function persistently(turn: Turn, work: (tx: Sql) => Promise<void>): Promise<void> {
    const giveUpAt = Date.now() + 60_000;
    for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
      const before = snapshotTurn(turn);
      try {
        await sql.transaction(work);
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
              await save(tx, turn, true);
            });
          }
        }
        if (turn.holder.inbox.length) continue;
        // letting go: from here new events wait for the database (or for this turn to go on)
        turn.holder.closing = true;
        turn.holder.dirty = false;
        const at = now();
        await persistently(turn, async (tx) => {
          await relock(tx, turn);
          const pending = (await pendingOf(tx, [graphCallId])).get(graphCallId);
          await advance(tx, turn, pending?.list ?? [], at);
          if (pending?.ids.length)
            await tx.query(
              `UPDATE "InboundNotification" SET "processedAt" = $2, payload = NULL WHERE id = ANY($1::uuid[])`,
              [pending.ids, at],
            );
          await save(tx, turn, hasOutsideWork(turn));
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
      for (const incoming of turn.holder.inbox.splice(0)) incoming.done();
    }
  }

  // --- ways in -----------------------------------------------------------------------------------

  /**
   * Steps the flow of call `graphCallId` with `incoming` (a key press, a recording, a signal), holding the
   * call: in this process's turn if it holds the call, else by claiming it. "busy": it is held elsewhere (or
   * being claimed or let go here); "missing": there is no such call. Resolves once the turn is over.
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
    incoming.done();
    await Promise.all(afterClaim(turns));
    return "handled";
  }

  const incomingOf = (event: RuntimeEvent, held: Held = {}) => {
    let done!: () => void;
    const processed = new Promise<void>((resolve) => (done = resolve));
    return { incoming: { event, held, done }, processed };
  };

  /**
   * An event only this process has (a key press, a finished recording): the flow of `graphCallId` steps
   * with it, waiting while another process holds the call (at most a lease: a dead holder's expires).
   */
  async function deliver(graphCallId: string, event: RuntimeEvent, held: Held = {}): Promise<void> {
    const deadline = Date.now() + (leaseSeconds + 5) * 1000;
    for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
      const { incoming, processed } = incomingOf(event, held);
      let outcome: "handled" | "busy" | "missing";
      try {
        outcome = await holdOne(graphCallId, incoming);
      } catch (error) {
        // the database away: the event is tried again until the deadline, like a busy call
        logger.warn({ err: error, graphCallId }, "call event not applied yet");
        outcome = "busy";
      }
      if (outcome === "handled") return processed;
      if (outcome === "missing") {
        logger.info({ graphCallId, event: event.type }, "event for a call the bot does not know");
        return;
      }
      if (Date.now() > deadline) {
        logger.warn({ graphCallId, event: event.type }, "call held elsewhere too long; event dropped");
        return;
      }
      await sleep(delay);
    }
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
    let turns: Turn[];
    if (pollDue) {
      pollDue = false;
      woken.clear();
      turns = await claimAndAdvance({ kind: "pending", graphCallIds: null, limit: free });
    } else {
      const ids = [...woken].filter((id) => !local.has(id));
      woken.clear();
      if (!ids.length) return 0;
      turns = await claimAndAdvance({ kind: "pending", graphCallIds: ids, limit: free });
      // at the limit: what was not claimed may only have waited for a slot
      if (turns.length === free) {
        const claimed = new Set(turns.map((t) => t.call.graphCallId));
        for (const id of ids) if (!claimed.has(id)) woken.add(id);
      }
    }
    afterClaim(turns);
    return turns.length;
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
    stopListening = await sql.listen({
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
        [LIVE_STATES, due, limit],
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
