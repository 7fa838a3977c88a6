// The reminder call as a pure state machine: given where the call is and one event, where it is next and what
// to do (the prompts name the appointment: the runtime's document supplies it). No I/O here — the call runtime (lib/bot/runtime) runs the Graph commands and lib/reminders/flow.ts the
// domain actions, and their results come back as events. The state is persisted between events (Call.flow);
// it names steps and operation ids only, never the key that was pressed (emulator/CONTRACT.md#media-persistence:
// tone data may not be persisted). Only the business outcome (confirmed, cancelled, …) is kept.
//
//  dialing ──established, audio active──▶ prompting (subscribe to tones, play "reminder")
//  a key that answers a prompt stops it first (stopPrompts), so what follows is said at once
//  prompting ──1──▶ acting(confirm) ──ok──▶ closing (play "confirmed") ──played──▶ hang up
//  prompting ──2──▶ checking (play "cancelCheck": 2 again cancels, 1 keeps and confirms)
//  checking ──2──▶ acting(cancel)  ──ok──▶ closing (play "cancelled") ──played──▶ hang up
//  checking ──1──▶ acting(confirm) (as above)
//  checking ──prompt finished, no key──▶ replay once ──finished again──▶ closing (play "kept"), NO_RESPONSE
//                                                                        with detail cancel-not-confirmed
//  prompting / checking ──0──▶ handing-over (play "transferring") ──played──▶ transferring ──terminated 7015──▶ TRANSFERRED
//  prompting ──prompt finished, no key──▶ replay once ──finished again──▶ closing (play "goodbye")
//  acting ──failed──▶ handing-over (a person at reception sorts it out)
//  transferring ──transfer failed──▶ closing (play "goodbye"), FAILED
//  any ──terminated──▶ done (not answered / busy / declined before established → retry decision)
//  any ──stalled (no move for minutes)──▶ ending (hang up; the termination ends it with the outcome reached)
import "server-only";
import { z } from "zod";
import type { RuntimeEvent } from "@/lib/bot/runtime/flow";
import type { PromptKey, SpokenAppointment } from "@/lib/prompts/texts";
import {
  afterActionDone,
  afterEstablished,
  afterFinalPrompt,
  afterTerminated,
  afterTransferFailed,
  CANCEL_NOT_CONFIRMED,
  endCall,
  foldEvents,
  lateEvent,
  transferNow,
  unansweredReason,
  waitFor,
  type AnsweredEnds,
} from "./fold";

type ReminderOutcomeValue = "CONFIRMED" | "CANCELLED" | "TRANSFERRED" | "NO_ANSWER" | "NO_RESPONSE" | "FAILED";

type Step =
  "dialing" | "prompting" | "checking" | "acting" | "handing-over" | "transferring" | "closing" | "ending" | "done";

export interface FlowState {
  step: Step;
  /** how many times the prompt that waits for a key (the reminder, or the cancellation check) was started */
  plays: number;
  /** the playPrompt operation the flow waits for (reminder, confirmation, goodbye, transferring) */
  waitingFor: string | null;
  /** decided business outcome; kept when the call ends */
  outcome: ReminderOutcomeValue | null;
  established: boolean;
  /** why the outcome is what it is, when the end alone does not say it (cancel-not-confirmed) */
  detail: string | null;
}

const STEPS = [
  "dialing",
  "prompting",
  "checking",
  "acting",
  "handing-over",
  "transferring",
  "closing",
  "ending",
  "done",
] as const;
const OUTCOMES = ["CONFIRMED", "CANCELLED", "TRANSFERRED", "NO_ANSWER", "NO_RESPONSE", "FAILED"] as const;

/** The stored state, read back with this schema (never cast). */
export const flowStateSchema = z.object({
  step: z.enum(STEPS),
  plays: z.number().int().min(0),
  waitingFor: z.string().nullable(),
  outcome: z.enum(OUTCOMES).nullable(),
  established: z.boolean(),
  // documents written before the cancellation check have none
  detail: z.string().max(64).nullable().default(null),
}) satisfies z.ZodType<FlowState>;

/**
 * What the flow hears: the runtime's events (the call's notifications, key presses, the Graph commands'
 * answers: established, promptFinished, tone, playStarted/playFailed, transferFailed, terminated, stalled, …;
 * `established.audioActive` false: answered, the audio not connected yet) and its domain actions' answers.
 */
export type FlowEvent =
  | RuntimeEvent
  | { type: "actionDone"; action: "confirm" | "cancel" }
  | { type: "actionFailed"; action: "confirm" | "cancel" };

export type Command =
  | { type: "subscribeToTone" }
  /** the prompt playing stops (cancelMediaProcessing): a key answered it */
  | { type: "stopPrompts" }
  /** answer with playStarted{operationId} or playFailed; `about` is added by the runtime's document */
  | { type: "play"; prompt: PromptKey; about?: SpokenAppointment | null }
  /** answer with actionDone / actionFailed */
  | { type: "confirm" }
  | { type: "cancel" }
  | { type: "transfer" }
  | { type: "hangUp" }
  /** the call is over: store the outcome; `retry` = it was never answered (busy, declined, no answer) */
  | { type: "finish"; outcome: ReminderOutcomeValue; retry: boolean; reason: string };

export interface Transition {
  state: FlowState;
  commands: Command[];
}

/** How many times the reminder (or the cancellation check) is played when nobody presses a key (+ one replay). */
const MAX_PLAYS = 2;

export const initialFlowState = (): FlowState => ({
  step: "dialing",
  plays: 0,
  waitingFor: null,
  outcome: null,
  established: false,
  detail: null,
});

const stay = (state: FlowState): Transition => ({ state, commands: [] });

/** An answered call is not called again, whatever its end. */
const finish = (outcome: ReminderOutcomeValue, reason: string): Command => ({
  type: "finish",
  outcome,
  retry: false,
  reason,
});

const ENDS: AnsweredEnds<ReminderOutcomeValue> = {
  transferred: "TRANSFERRED",
  notTransferred: "FAILED",
  hungUp: "NO_RESPONSE",
};

export function step(state: FlowState, event: FlowEvent): Transition {
  // an action refused after the hang-up: the call failed
  if (state.step === "done") return lateEvent(state, event, finish, { outcome: "FAILED", reason: "action-failed" });

  if (event.type === "terminated") {
    const done: FlowState = { ...state, step: "done", waitingFor: null };
    if (!state.established) {
      const reason = unansweredReason(event.resultCode, event.resultSubcode);
      return { state: done, commands: [{ type: "finish", outcome: "NO_ANSWER", retry: true, reason }] };
    }
    // the patient hung up while we confirmed/cancelled: the action's result still arrives and decides
    if (state.step === "acting") return stay(done);
    return afterTerminated(state, event.resultSubcode, ENDS, finish);
  }

  switch (event.type) {
    case "established": {
      const prompting: FlowState = { ...state, step: "prompting", plays: 1 };
      return afterEstablished(state, event, "dialing", prompting, { type: "play", prompt: "reminder" });
    }

    case "playStarted":
      // acting waits for no prompt: one that answers now was asked for before the key (a replay), and the
      // key's stop cancels it — its failed completion must not end the call
      if (state.step === "acting") return stay(state);
      return waitFor(state, event.operationId);

    case "playFailed":
      // the prompt could not even start: nothing sensible to say, end the call
      return endCall(state, state.outcome ?? "FAILED");

    case "tone": {
      if (state.step !== "prompting" && state.step !== "checking") return stay(state);
      const key = event.key;
      if (key !== "1" && key !== "2" && key !== "0") return stay(state);
      // the key answers the prompt: it stops, and what comes next is said at once, not after the rest of it.
      // Always: the replay may be starting (asked for, its operation id not back yet) when the key comes.
      const stop: Command[] = [{ type: "stopPrompts" }];
      if (key === "1")
        return { state: { ...state, step: "acting", waitingFor: null }, commands: [...stop, { type: "confirm" }] };
      // the first 2 asks; only a second one, at the question, cancels
      if (key === "2" && state.step === "prompting")
        return {
          state: { ...state, step: "checking", waitingFor: null, plays: 1 },
          commands: [...stop, { type: "play", prompt: "cancelCheck" }],
        };
      if (key === "2")
        return { state: { ...state, step: "acting", waitingFor: null }, commands: [...stop, { type: "cancel" }] };
      return {
        state: { ...state, step: "handing-over", waitingFor: null },
        commands: [...stop, { type: "play", prompt: "transferring" }],
      };
    }

    case "actionDone":
      return afterActionDone(state, event.action);

    case "actionFailed":
      if (state.step !== "acting") return stay(state);
      // e.g. too late to cancel: a person at reception can help
      return { state: { ...state, step: "handing-over" }, commands: [{ type: "play", prompt: "transferring" }] };

    case "promptFinished": {
      if (event.operationId !== state.waitingFor) return stay(state); // not the prompt we wait for (or stale)
      const next = { ...state, waitingFor: null };
      if (!event.ok) {
        if (state.step === "handing-over") return transferNow(next);
        return endCall(next, state.outcome ?? "FAILED");
      }
      switch (state.step) {
        case "prompting":
          if (state.plays < MAX_PLAYS)
            return { state: { ...next, plays: state.plays + 1 }, commands: [{ type: "play", prompt: "reminder" }] };
          return {
            state: { ...next, step: "closing", outcome: "NO_RESPONSE" },
            commands: [{ type: "play", prompt: "goodbye" }],
          };
        case "checking":
          if (state.plays < MAX_PLAYS)
            return { state: { ...next, plays: state.plays + 1 }, commands: [{ type: "play", prompt: "cancelCheck" }] };
          // no answer to "cancel?": the appointment stays, and the outcome says the question went unanswered
          return {
            state: { ...next, step: "closing", outcome: "NO_RESPONSE", detail: CANCEL_NOT_CONFIRMED },
            commands: [{ type: "play", prompt: "kept" }],
          };
        default:
          return afterFinalPrompt(next);
      }
    }

    case "transferFailed":
      return afterTransferFailed(state);

    case "stalled":
      // nobody has driven the call for minutes: hang up; the termination ends it with the outcome reached
      return endCall(state);

    default:
      return stay(state);
  }
}

/** Folds events (for tests and replays). Commands that answer with an event must be supplied as events. */
export function run(events: FlowEvent[], initial = initialFlowState()) {
  return foldEvents(step, events, initial);
}

// --- retry policy ---------------------------------------------------------------------------------

export interface RetryPolicy {
  /** calls in total, the first one included */
  maxAttempts: number;
  delayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, delayMs: 10 * 60_000 };

/** After an unanswered attempt: when to call again, or null to give up. */
export function nextAttemptAt(attemptsSoFar: number, now: Date, policy: RetryPolicy = DEFAULT_RETRY): Date | null {
  if (attemptsSoFar >= policy.maxAttempts) return null;
  return new Date(now.getTime() + policy.delayMs);
}
