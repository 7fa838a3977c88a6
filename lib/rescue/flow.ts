// The no-show rescue call as a pure state machine: given where the call is and one event, where it is next
// and what to do. No I/O: the call runtime (lib/bot/runtime) runs the Graph commands, lib/rescue/flow-service.ts
// the domain actions, and their results come back as events. The stored state (Call.flow) names steps and
// operation ids, never a key that was pressed (emulator/CONTRACT.md#media-persistence).
//
//  dialing ──established, audio active──▶ offering (subscribe to tones, play "rescueOffer": Dr X is waiting…)
//  a key that answers the offer stops it first (stopPrompts), so what follows is said at once
//  offering ──1──▶ announcing (play "rescueJoining") ──played──▶ joining (invite into the meeting with
//                  replacesCallId) ──the p2p call ends──▶ JOINED
//  offering ──2──▶ handing-over (play "transferring") ──played──▶ transferring ──terminated 7015──▶ RECEPTION
//  offering ──3──▶ acting (flag the appointment for rescheduling) ──marked──▶ closing (play
//                  "rescueReschedule") ──played──▶ hang up                                            RESCHEDULE
//  offering ──prompt finished, no key──▶ replay once ──finished again──▶ closing (play "goodbye")  NO_RESPONSE
//  joining ──invite refused──▶ handing-over (reception takes the call)
//  any ──terminated before established──▶ done: NO_ANSWER, BUSY or DECLINED
//  any ──stalled──▶ ending (hang up; the termination ends it with the outcome reached)
import "server-only";
import { z } from "zod";
import type { RuntimeEvent } from "@/lib/bot/runtime/flow";
import { foldEvents, transferEnd, transferNow, unansweredReason } from "@/lib/bot/flows/fold";
import type { PromptKey } from "@/lib/prompts/texts";

const RESCUE_OUTCOMES = [
  "JOINED",
  "RECEPTION",
  "RESCHEDULE",
  "NO_ANSWER",
  "BUSY",
  "DECLINED",
  "NO_RESPONSE",
  "FAILED",
] as const;
export type RescueOutcomeValue = (typeof RESCUE_OUTCOMES)[number];

const STEPS = [
  "dialing",
  "offering",
  "announcing",
  "joining",
  "acting",
  "handing-over",
  "transferring",
  "closing",
  "ending",
  "done",
] as const;
export type RescueStep = (typeof STEPS)[number];

export interface RescueState {
  step: RescueStep;
  /** how many times the offer was started */
  plays: number;
  /** the playPrompt operation the flow waits for */
  waitingFor: string | null;
  outcome: RescueOutcomeValue | null;
  established: boolean;
  /** the meeting call's invite operation that moves this call into the meeting */
  joinOperation: string | null;
}

export const rescueStateSchema = z.object({
  step: z.enum(STEPS),
  plays: z.number().int().min(0),
  waitingFor: z.string().nullable(),
  outcome: z.enum(RESCUE_OUTCOMES).nullable(),
  established: z.boolean(),
  joinOperation: z.string().nullable(),
}) satisfies z.ZodType<RescueState>;

export type RescueEvent =
  | RuntimeEvent
  /** the meeting's call accepted the invitation (its operation id); the move follows */
  | { type: "joinStarted"; operationId: string }
  /** no meeting call to move into, or Graph refused the invitation */
  | { type: "joinFailed" }
  /** the appointment carries the patient's request to reschedule */
  | { type: "rescheduleMarked" };

export type RescueCommand =
  | { type: "subscribeToTone" }
  | { type: "play"; prompt: PromptKey }
  /** cancelMediaProcessing: the offer stops when a key answers it, so what follows is said at once */
  | { type: "stopPrompts" }
  /** invite this call's patient into the appointment's meeting, replacing this call; answers joinStarted / joinFailed */
  | { type: "join" }
  /** flag the appointment for rescheduling and tell staff (commits with the flow's step); answers rescheduleMarked */
  | { type: "markReschedule" }
  | { type: "transfer" }
  | { type: "hangUp" }
  /** the call is over: the rescue's outcome and its audit row, with the flow's end */
  | { type: "finish"; outcome: RescueOutcomeValue; reason: string };

export interface RescueTransition {
  state: RescueState;
  commands: RescueCommand[];
}

/** The offer is played twice at most when nobody presses a key. */
const MAX_OFFERS = 2;

export const initialRescueState = (): RescueState => ({
  step: "dialing",
  plays: 0,
  waitingFor: null,
  outcome: null,
  established: false,
  joinOperation: null,
});

const stay = (state: RescueState): RescueTransition => ({ state, commands: [] });

const handOver = (state: RescueState): RescueTransition => ({
  state: { ...state, step: "handing-over", waitingFor: null },
  commands: [{ type: "play", prompt: "transferring" }],
});

const end = (state: RescueState, outcome: RescueOutcomeValue | null = state.outcome): RescueTransition => ({
  state: { ...state, step: "ending", waitingFor: null, outcome },
  commands: [{ type: "hangUp" }],
});

/** Why nobody answered, as the rescue's outcome (lib/bot/flows/fold.ts reads Graph's codes). */
function unanswered(reason: string): RescueOutcomeValue {
  if (reason === "busy") return "BUSY";
  if (reason === "declined") return "DECLINED";
  return "NO_ANSWER";
}

export function rescueStep(state: RescueState, event: RescueEvent): RescueTransition {
  if (state.step === "done") {
    if (event.type === "stalled" && !state.outcome)
      return {
        state: { ...state, outcome: "FAILED" },
        commands: [{ type: "finish", outcome: "FAILED", reason: "stalled" }],
      };
    return stay(state);
  }

  if (event.type === "terminated") {
    const done: RescueState = { ...state, step: "done", waitingFor: null };
    if (!state.established) {
      const reason = unansweredReason(event.resultCode, event.resultSubcode);
      const outcome = unanswered(reason);
      return { state: { ...done, outcome }, commands: [{ type: "finish", outcome, reason }] };
    }
    let outcome: RescueOutcomeValue;
    let reason: string;
    if (state.step === "joining" && state.joinOperation) {
      // Graph drops the replaced call once the patient is in the meeting; the service checks the invitation
      outcome = "JOINED";
      reason = "moved-into-meeting";
    } else if (state.step === "transferring") {
      const transfer = transferEnd(event.resultSubcode);
      outcome = transfer.transferred ? "RECEPTION" : (state.outcome ?? "FAILED");
      reason = transfer.reason;
    } else if (state.outcome) {
      outcome = state.outcome;
      reason = "completed";
    } else {
      outcome = "NO_RESPONSE";
      reason = "hung-up";
    }
    return { state: { ...done, outcome }, commands: [{ type: "finish", outcome, reason }] };
  }

  switch (event.type) {
    case "established":
      if (state.step !== "dialing") return stay(state);
      // the offer waits for the audio, or the patient would miss its start
      if (event.audioActive === false) return stay({ ...state, established: true });
      return {
        state: { ...state, step: "offering", established: true, plays: 1 },
        commands: [{ type: "subscribeToTone" }, { type: "play", prompt: "rescueOffer" }],
      };

    case "playStarted":
      return stay({ ...state, waitingFor: event.operationId });

    case "playFailed":
      if (state.step === "announcing") return { state: { ...state, step: "joining" }, commands: [{ type: "join" }] };
      if (state.step === "handing-over") return transferNow(state);
      return end(state, state.outcome ?? "FAILED");

    case "tone": {
      if (state.step !== "offering") return stay(state);
      const stop: RescueCommand = { type: "stopPrompts" };
      if (event.key === "1")
        return {
          state: { ...state, step: "announcing", waitingFor: null },
          commands: [stop, { type: "play", prompt: "rescueJoining" }],
        };
      if (event.key === "2") {
        const next = handOver(state);
        return { ...next, commands: [stop, ...next.commands] };
      }
      if (event.key === "3")
        return {
          state: { ...state, step: "acting", waitingFor: null },
          commands: [stop, { type: "markReschedule" }],
        };
      return stay(state);
    }

    case "rescheduleMarked":
      if (state.step !== "acting") return stay(state);
      return {
        state: { ...state, step: "closing", outcome: "RESCHEDULE" },
        commands: [{ type: "play", prompt: "rescueReschedule" }],
      };

    case "joinStarted":
      if (state.step !== "joining") return stay(state);
      return stay({ ...state, joinOperation: event.operationId });

    case "joinFailed":
      if (state.step !== "joining") return stay(state);
      // the patient still wants the visit: a person at reception helps
      return handOver(state);

    case "promptFinished": {
      if (event.operationId !== state.waitingFor) return stay(state);
      const next = { ...state, waitingFor: null };
      switch (state.step) {
        case "offering":
          if (!event.ok) return end(next, state.outcome ?? "FAILED");
          if (state.plays < MAX_OFFERS)
            return { state: { ...next, plays: state.plays + 1 }, commands: [{ type: "play", prompt: "rescueOffer" }] };
          return {
            state: { ...next, step: "closing", outcome: "NO_RESPONSE" },
            commands: [{ type: "play", prompt: "goodbye" }],
          };
        case "announcing":
          return { state: { ...next, step: "joining" }, commands: [{ type: "join" }] };
        case "handing-over":
          return transferNow(next);
        case "closing":
          return end(next);
        default:
          return stay(next);
      }
    }

    case "transferFailed":
      if (state.step !== "transferring") return stay(state);
      return {
        state: { ...state, step: "closing", outcome: state.outcome ?? "FAILED" },
        commands: [{ type: "play", prompt: "goodbye" }],
      };

    case "stalled":
      return end(state);

    default:
      return stay(state);
  }
}

/** Folds events (tests and replays). */
export function runRescue(events: RescueEvent[], initial = initialRescueState()) {
  return foldEvents(rescueStep, events, initial);
}
