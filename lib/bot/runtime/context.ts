// What the call runtime's modules share (lib/bot/runtime/engine.ts builds it): the process's view of the calls
// it holds, the events only it has, its worker loop's state, and the shapes of a turn.
import "server-only";
import type { BotNotification } from "../schema";
import type { CallRow, OperationChange } from "./apply";
import type { AnyCallFlow, Held, RuntimeEvent } from "./flow";
import type { CommandRunner } from "./runner";
import type { CallSql } from "./sql";

export const LEASE_SECONDS = 30;
/** a lease older than this (on this process's clock) is renewed before the next command */
export const RENEW_AFTER_MS = 10_000;
/** pending notifications of a call with no Call row this long are a call nobody recorded: it is hung up */
export const UNKNOWN_CALL_GIVE_UP_MS = 150_000;
/** Graph ends a call that has had no keepAlive for 45 minutes; we send one every 15 */
export const KEEPALIVE_EVERY_MS = 15 * 60_000;

/**
 * An event only this process has (a key press, a recording) or a signal for a call. It is stepped once, by
 * whichever turn of this process gets to it first: in arrival order when that turn applies the notification
 * it came with (`key`: "tone:<sequenceId>", "record:<operationId>"), else as soon as a turn holds the call.
 */
export interface Incoming {
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
export interface Holder {
  inbox: Incoming[];
  /** a notification for the call arrived while it was held here: look again after letting go */
  dirty: boolean;
  /** claiming or letting go: new events wait for the database instead of this inbox */
  closing: boolean;
}

export type Command = { type: string } & Record<string, unknown>;

export interface Turn {
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

/** The worker loop's state (worker-loop.ts). */
interface WorkerLoop {
  /** calls a NOTIFY named, to claim on the next pass */
  woken: Set<string>;
  /** the next pass looks at every call with pending notifications */
  pollDue: boolean;
  running: boolean;
  /** wakes the loop from its wait */
  kickLoop: (() => void) | null;
  stopListening: (() => Promise<void>) | null;
  pollTimer: NodeJS.Timeout | undefined;
  loopDone: Promise<void>;
}

/** One process's call runtime: its dependencies and settings, and what it holds in memory. */
export interface RuntimeContext {
  readonly sql: CallSql;
  readonly runner: CommandRunner;
  readonly flows: Partial<Record<string, AnyCallFlow>>;
  readonly now: () => Date;
  readonly leaseSeconds: number;
  /** how long the process that received a key press or recording tries to step it (pursue) */
  readonly mediaHandOffSeconds: number;
  readonly slots: number;
  readonly pollMs: number;
  /** the calls this process holds or is claiming, by Graph call id */
  readonly local: Map<string, Holder>;
  /** key presses and recordings received here, by call, until a turn of this process steps them */
  readonly media: Map<string, Incoming[]>;
  /** the turns driving a held call */
  readonly driving: Set<Promise<void>>;
  /** this process LISTENs for new notifications (its worker loop runs) */
  listening: boolean;
  readonly loop: WorkerLoop;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The in-memory event a notification brings with it: a key press (its sequence), a finished recording. */
export function mediaKeyOf(n: BotNotification): string | null {
  if (n.kind === "call") return n.toneSequenceId === null ? null : `tone:${n.toneSequenceId}`;
  if (n.kind === "operation" && n.operationKind === "record") {
    const finished = n.status === "completed" || n.status === "failed" || n.changeType === "deleted";
    return finished ? `record:${n.operationId}` : null;
  }
  return null;
}

/** What the runtime applies when Graph says a call is gone (a hang-up or keepAlive answered 404). */
export const goneNotification = (graphCallId: string): BotNotification => ({
  kind: "call",
  graphCallId,
  resourceUrl: `/communications/calls/${graphCallId}`,
  changeType: "deleted",
  state: "terminated",
  resultInfo: null,
  toneSequenceId: null,
  mediaAudio: null,
});
