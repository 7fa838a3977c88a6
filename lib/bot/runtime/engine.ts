// The call-flow runtime: the one owner of every call the bot is in (docs/ARCHITECTURE.md, "Calling bot").
//
// The queue is the InboundNotification table. The webhook records each notification (INSERT … ON CONFLICT
// DO NOTHING) and, in the same statement, NOTIFYs CALLS_CHANNEL with the call's id (lib/bot/intake/index.ts).
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
//
// The work is spread by concern: context.ts (what the modules share), turn.ts (stepping a call's flow),
// turn-write.ts (the one statement that saves a turn), claim.ts (claiming calls with pending notifications),
// hold.ts (driving a held call's commands under its lease), delivery.ts (events only this process has, and
// signals), worker-loop.ts (LISTEN, claim, drive) and sweep.ts (stalled flows, unknown calls, keepAlives).
import "server-only";
import type { AnyCallFlow, Held, RuntimeEvent } from "./flow";
import type { CommandRunner } from "./runner";
import type { CallSql } from "./sql";
import { LEASE_SECONDS, type RuntimeContext } from "./context";
import { afterClaim, claimAndAdvance } from "./claim";
import { deliver, signal } from "./delivery";
import { keepAlive, sweep } from "./sweep";
import { settled, start, stop, wake } from "./worker-loop";

export { KEEPALIVE_EVERY_MS, UNKNOWN_CALL_GIVE_UP_MS } from "./context";

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

export function callRuntime(deps: CallRuntimeDeps) {
  const leaseSeconds = deps.leaseSeconds ?? LEASE_SECONDS;
  const runtime: RuntimeContext = {
    sql: deps.sql,
    runner: deps.runner,
    flows: deps.flows,
    now: deps.now ?? (() => new Date()),
    leaseSeconds,
    mediaHandOffSeconds: leaseSeconds + 5,
    slots: deps.slots ?? 16,
    pollMs: deps.pollMs ?? 5_000,
    local: new Map(),
    media: new Map(),
    driving: new Set(),
    listening: false,
    loop: {
      woken: new Set(),
      pollDue: true,
      running: false,
      kickLoop: null,
      stopListening: null,
      pollTimer: undefined,
      loopDone: Promise.resolve(),
    },
  };

  return {
    start: () => start(runtime),
    stop: () => stop(runtime),
    settled: () => settled(runtime),
    deliver: (graphCallId: string, event: RuntimeEvent, held?: Held, key?: string | null) =>
      deliver(runtime, graphCallId, event, held, key),
    signal: (callId: string, event: RuntimeEvent) => signal(runtime, callId, event),
    wake: (graphCallIds: string[]) => wake(runtime, graphCallIds),
    sweep: (at?: Date) => sweep(runtime, at),
    keepAlive: (at: Date, limit?: number) => keepAlive(runtime, at, limit),
    /** one claim pass over everything pending, now (tests; the loop does this on its own) */
    async runPending(): Promise<void> {
      const turns = await claimAndAdvance(runtime, { kind: "pending", graphCallIds: null, limit: 100 });
      await Promise.all(afterClaim(runtime, turns));
    },
  };
}

export type CallRuntime = ReturnType<typeof callRuntime>;
