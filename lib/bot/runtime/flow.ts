// What a call flow gives the runtime, and what the runtime gives it. A flow (the reminder call, the clinic
// line, the bot's meeting attendance) is a pure step function over a stored document, plus the domain
// actions its commands name; the runtime (lib/bot/runtime/engine.ts) owns everything else: holding the
// call, applying its notifications, loading and saving the document, running Graph commands, the sweep.
import "server-only";
import type { z } from "zod";
import type { RecordingEvent } from "../schema";
import type { CallLifecycleEvent } from "../flows/call-events";
import type { PromptKey, PromptLocale, SpokenAppointment } from "@/lib/prompts/texts";
import type { Sql } from "./sql";

/** What the runtime feeds a flow besides the flow's own domain events. */
export type RuntimeEvent =
  /** from the call's notifications, in arrival order (lib/bot/flows/call-events.ts) */
  | CallLifecycleEvent
  /** a key press, in memory only, in the process whose webhook received it: "0".."9", "star", "pound" */
  | { type: "tone"; key: string }
  /** a finished recordResponse, in memory only; `hasRecording`: a location came with it */
  | { type: "recordFinished"; operationId: string; ok: boolean; hasRecording: boolean }
  /** answers of the Graph command runner (lib/bot/runtime/runner.ts) */
  | { type: "playStarted"; operationId: string }
  | { type: "playFailed" }
  | { type: "recordStarted"; operationId: string }
  | { type: "recordFailed" }
  | { type: "hungUp" }
  | { type: "hangUpFailed" }
  /** the flow has not moved for its stallAfterMs: end the call with the outcome reached */
  | { type: "stalled" }
  /** a domain signal for the call (the meeting sweep: the appointment is over) */
  | { type: "leave"; reason: string };

/** Commands the runtime's runner carries out against Graph; anything else is the flow's domain action. */
export type GraphCommand =
  | { type: "subscribeToTone" }
  /** `about`: the appointment the prompt's {appointment} names (lib/prompts/texts.ts) */
  | { type: "play"; prompt: PromptKey; about?: SpokenAppointment | null }
  /** recordResponse with this one prompt */
  | { type: "record"; prompt: PromptKey }
  /** cancelMediaProcessing: the prompt playing stops (a key answered it); its completion comes as failed */
  | { type: "stopPrompts" }
  /** a blind transfer to reception (RECEPTION_USER_ID) */
  | { type: "transfer" }
  | { type: "hangUp" };

const GRAPH_COMMANDS = new Set(["subscribeToTone", "play", "record", "stopPrompts", "transfer", "hangUp"]);

export const isGraphCommand = (command: { type: string }): command is GraphCommand => GRAPH_COMMANDS.has(command.type);

/** The call as a flow's domain actions see it. */
export interface FlowCall {
  /** Call.id */
  id: string;
  /** normalised Graph id */
  graphCallId: string;
  appointmentId: string | null;
  /** Graph's call state as last applied (incoming, established, terminated, …) */
  state: string;
}

/** Media that only the process holding the event has (a recording's location and token): never stored. */
export interface Held {
  recording?: RecordingEvent;
}

/**
 * The work a transaction's commit makes possible and that must not happen before it (queueing a job for a
 * row the transaction wrote): run after the commit, failures logged.
 */
type AfterCommit = (work: () => Promise<unknown>) => void;

/** What a commit command may do besides its own statements in the turn's transaction. */
export interface CommitContext {
  after: AfterCommit;
  /**
   * The call's outcome as people read it (confirmed, transferred, …): written with the call's state in the
   * turn's one write, over the technical outcome its termination gave it.
   */
  setCallOutcome(outcome: string): void;
}

export interface CallFlow<D, E extends { type: string }, C extends { type: string }> {
  /** the stored document (Call.flow), parsed each time it is loaded */
  schema: z.ZodType<D>;
  /** the document of a call whose flow has not started yet (null: the call has no flow) */
  initial(call: FlowCall): D | null;
  step(document: D, event: RuntimeEvent | E): { document: D; commands: (GraphCommand | C)[] };
  /** the prompt language, and the prefix of operations' clientContext */
  locale(document: D): PromptLocale;
  context: string;
  /** domain actions run inside the turn's transaction, with the document's save (the end of a flow) */
  commits?: ReadonlySet<C["type"]>;
  commit?(sql: Sql, call: FlowCall, document: D, command: C, context: CommitContext): Promise<E[]>;
  /** every other domain action, outside any transaction; answers with events */
  act?(call: FlowCall, document: D, command: C, held: Held): Promise<(RuntimeEvent | E)[]>;
  /** no more work will come (the stall sweep leaves it alone) */
  finished(document: D): boolean;
  /** a flow that has not moved for this long has lost its driver: it is sent `stalled` */
  stallAfterMs?: number;
}

// The registry holds flows of different documents; each is only ever called with its own.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCallFlow = CallFlow<any, any, any>;

export const defineFlow = <D, E extends { type: string }, C extends { type: string }>(
  flow: CallFlow<D, E, C>,
): AnyCallFlow => flow;
