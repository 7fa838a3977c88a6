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
import {
  afterEstablished,
  afterFinalPrompt,
  afterJoinAnswer,
  afterTerminated,
  afterTransferFailed,
  endCall,
  foldEvents,
  handOver,
  lateEvent,
  transferNow,
  unansweredReason,
  waitFor,
  type AnsweredEnds,
} from "@/lib/bot/flows/fold";
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

/** Why nobody answered, as the rescue's outcome (lib/bot/flows/fold.ts reads Graph's codes). */
function unanswered(reason: string): RescueOutcomeValue {
  if (reason === "busy") return "BUSY";
  if (reason === "declined") return "DECLINED";
  return "NO_ANSWER";
}

const finish = (outcome: RescueOutcomeValue, reason: string): RescueCommand => ({ type: "finish", outcome, reason });

// JOINED: Graph drops the replaced call once the patient is in the meeting; the service checks the invitation
const ENDS: AnsweredEnds<RescueOutcomeValue> = {
  transferred: "RECEPTION",
  notTransferred: "FAILED",
  hungUp: "NO_RESPONSE",
  joined: "JOINED",
};

export function rescueStep(state: RescueState, event: RescueEvent): RescueTransition {
  if (state.step === "done") return lateEvent(state, event, finish);

  if (event.type === "terminated") {
    if (!state.established) {
      const reason = unansweredReason(event.resultCode, event.resultSubcode);
      const outcome = unanswered(reason);
      return { state: { ...state, step: "done", waitingFor: null, outcome }, commands: [finish(outcome, reason)] };
    }
    return afterTerminated(state, event.resultSubcode, ENDS, finish);
  }

  switch (event.type) {
    case "established": {
      const offering: RescueState = { ...state, step: "offering", plays: 1 };
      return afterEstablished(state, event, "dialing", offering, { type: "play", prompt: "rescueOffer" });
    }

    case "playStarted":
      return waitFor(state, event.operationId);

    case "playFailed":
      if (state.step === "announcing") return { state: { ...state, step: "joining" }, commands: [{ type: "join" }] };
      if (state.step === "handing-over") return transferNow(state);
      return endCall(state, state.outcome ?? "FAILED");

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
    case "joinFailed":
      // refused: the patient still wants the visit, and a person at reception helps
      return afterJoinAnswer(state, event);

    case "promptFinished": {
      if (event.operationId !== state.waitingFor) return stay(state);
      const next = { ...state, waitingFor: null };
      switch (state.step) {
        case "offering":
          if (!event.ok) return endCall(next, state.outcome ?? "FAILED");
          if (state.plays < MAX_OFFERS)
            return { state: { ...next, plays: state.plays + 1 }, commands: [{ type: "play", prompt: "rescueOffer" }] };
          return {
            state: { ...next, step: "closing", outcome: "NO_RESPONSE" },
            commands: [{ type: "play", prompt: "goodbye" }],
          };
        case "announcing":
          return { state: { ...next, step: "joining" }, commands: [{ type: "join" }] };
        default:
          return afterFinalPrompt(next);
      }
    }

    case "transferFailed":
      return afterTransferFailed(state);

    case "stalled":
      return endCall(state);

    default:
      return stay(state);
  }
}

/** Folds events (tests and replays). */
export function runRescue(events: RescueEvent[], initial = initialRescueState()) {
  return foldEvents(rescueStep, events, initial);
}
