// The clinic line's IVR as a pure state machine: given where an incoming call is and one event, where it is
// next and what to do. No I/O: the call runtime (lib/bot/runtime) runs the Graph commands and
// lib/clinic-line/service.ts the domain actions (the rules, appointments, Speech), and their results come back
// as events. The stored state names steps, operation ids and the languages chosen — never a key, a recording,
// its location or a transcript (emulator/CONTRACT.md#media-persistence). Only the business outcome is kept.
//
//  screening ──incoming──▶ screen (the rules: reject, redirect, or answer) ──answered──▶ answering
//  answering ──established, audio active──▶ menu (subscribe to tones, play "lineMenu")
//  answering ──established, the caller's visit starts within 15 minutes or is under way──▶ visit-offer (play
//            "lineJoinVisit": press 2 to join it now) ──played──▶ menu; while a visit can be joined, 2 joins it:
//  visit-offer / menu ──2──▶ joining (invite the call into the meeting, replacing it) ──call ends──▶   JOINED
//  joining ──invite refused──▶ handing-over
//  menu ──1──▶ acting(confirm) ──ok──▶ closing (play "confirmed", naming the appointment) ──▶ hang up  CONFIRMED
//  menu ──2──▶ looking (the next appointment) ──found──▶ checking (play "cancelCheck", naming it: 2 again
//            cancels, 1 keeps and confirms) ──2──▶ acting(cancel) ──ok──▶ closing (play "cancelled") ──▶ hang up
//                                                                                            CANCELLED
//  checking ──prompt finished, no key──▶ asked again once ──▶ closing (play "kept")            KEPT
//  menu ──0──▶ handing-over (play "transferring") ──played──▶ transferring ──7015──▶          TRANSFERRED
//  menu ──prompt finished, no key──▶ listening (recordResponse with "lineSpeak")
//  listening ──recorded──▶ understanding (download → Speech → keywords, all in memory)
//  understanding ──confirm──▶ acting; ──cancel──▶ looking (asked as for the key 2: nothing is cancelled
//            on a word alone); reschedule / unsure / silence ──▶ handing-over
//  acting ──no appointment / failed──▶ handing-over (a person at reception sorts it out)
//  transferring ──failed──▶ closing (play "goodbye")                                           FAILED
//  a key that answers stops what is playing first (stopPrompts), so what follows is said at once
//  any ──terminated──▶ done
//  any ──stalled (no move for minutes)──▶ ending (hang up), FAILED unless decided
//
// Its state, events and commands: clinic-line-state.ts; the spoken answer's keywords: clinic-line-speech.ts.
import "server-only";
import {
  initialLineState,
  type LineAction,
  type LineCommand,
  type LineEvent,
  type LineOutcome,
  type LineState,
  type LineTransition,
  type Screening,
} from "./clinic-line-state";
import {
  afterActionDone,
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
  waitFor,
  type AnsweredEnds,
} from "./fold";

const SCREENED_OUTCOME: Record<Exclude<Screening, "answer">, LineOutcome> = {
  reject: "REJECTED",
  redirect: "REDIRECTED",
  failed: "FAILED",
};

const stay = (state: LineState): LineTransition => ({ state, commands: [] });

const finish = (outcome: LineOutcome, reason: string): LineCommand => ({ type: "finish", outcome, reason });

const ENDS: AnsweredEnds<LineOutcome> = {
  transferred: "TRANSFERRED",
  notTransferred: "ABANDONED",
  hungUp: "ABANDONED",
  joined: "JOINED",
};

/** How many times "cancel?" is asked when no key answers it (the first time + one replay). */
const MAX_ASKS = 2;

const act = (state: LineState, action: LineAction): LineTransition => ({
  state: { ...state, step: "acting", waitingFor: null },
  commands: [{ type: action }],
});

/** Before anything is cancelled the caller is asked, naming the appointment (found ──▶ checking). */
const askBeforeCancelling = (state: LineState): LineTransition => ({
  state: { ...state, step: "looking", waitingFor: null },
  commands: [{ type: "lookUp" }],
});

export function lineStep(state: LineState, event: LineEvent): LineTransition {
  const next = stepLine(state, event);
  const { about } = next.state;
  // a prompt after the action says which appointment it was (confirmed, cancelled)
  const commands = about ? next.commands.map((c) => (c.type === "play" ? { ...c, about } : c)) : next.commands;
  // the flow is over: the patient it acted for, and their appointment, are not kept with it
  if (next.state.step === "done" && next.state.outcome && (next.state.patientId || about || next.state.visit))
    return { commands, state: { ...next.state, patientId: null, about: null, visit: null } };
  return { ...next, commands };
}

function stepLine(state: LineState, event: LineEvent): LineTransition {
  // the caller hung up and the action did not happen: they gave up
  if (state.step === "done") return lateEvent(state, event, finish, { outcome: "ABANDONED", reason: "hung-up" });

  if (event.type === "terminated") {
    const done: LineState = { ...state, step: "done", waitingFor: null };
    // ended before the call was up, nothing decided
    if (!state.established && !state.outcome)
      return { state: { ...done, outcome: "FAILED" }, commands: [finish("FAILED", "not-established")] };
    // the action's result still arrives and decides
    if (state.step === "acting") return stay(done);
    return afterTerminated(state, event.resultSubcode, ENDS, finish);
  }

  switch (event.type) {
    case "incoming":
      if (state.step !== "screening") return stay(state);
      return { state, commands: [{ type: "screen" }] };

    case "screened":
      if (state.step !== "screening") return stay(state);
      if (event.action !== "answer")
        // the screening wrote the outcome (rejected, redirected, failed) with the call's end
        return stay({ ...state, step: "done", outcome: SCREENED_OUTCOME[event.action] });
      return stay({
        ...state,
        step: "answering",
        locale: event.locale ?? state.locale,
        speechLanguage: event.speechLanguage ?? state.speechLanguage,
        patientId: event.patientId ?? null,
        visit: event.visit ?? null,
      });

    case "established": {
      // a visit that can be joined now is offered before the menu
      const { visit } = state;
      const first: LineCommand = visit
        ? { type: "play", prompt: "lineJoinVisit", about: visit.about }
        : { type: "play", prompt: "lineMenu" };
      return afterEstablished(state, event, "answering", { ...state, step: visit ? "visit-offer" : "menu" }, first);
    }

    case "playStarted":
    case "recordStarted":
      // acting, looking and joining ask for no prompt: one that answers now was asked for before the key, which
      // stopped it, and its failed end must not be taken for theirs
      if (state.step === "acting" || state.step === "looking" || state.step === "joining") return stay(state);
      return waitFor(state, event.operationId);

    case "playFailed":
      // the visit's offer could not be played: the menu still can be
      if (state.step === "visit-offer")
        return { state: { ...state, step: "menu" }, commands: [{ type: "play", prompt: "lineMenu" }] };
      // nothing can be said to the caller; reception can still talk to them
      if (state.step === "menu" || state.step === "acting")
        return { ...handOver(state), commands: [{ type: "transfer" }] };
      if (state.step === "handing-over") return transferNow(state);
      return endCall(state, state.outcome ?? "FAILED");

    case "recordFailed":
      if (state.step !== "listening") return stay(state);
      return handOver(state);

    case "tone": {
      const answer = keyAnswer(state, event.key);
      // the key answers what is playing: it stops, and what follows is said at once, not after the rest of it
      if (answer.commands.length === 0) return answer;
      return { ...answer, commands: [{ type: "stopPrompts" }, ...answer.commands] };
    }

    case "found":
      if (state.step !== "looking") return stay(state);
      return {
        state: { ...state, step: "checking", about: event.about, asked: 1 },
        commands: [{ type: "play", prompt: "cancelCheck" }],
      };

    case "promptFinished": {
      if (event.operationId !== state.waitingFor) return stay(state);
      const next = { ...state, waitingFor: null };
      switch (state.step) {
        case "visit-offer":
          return { state: { ...next, step: "menu" }, commands: [{ type: "play", prompt: "lineMenu" }] };
        case "menu":
          // no key: the caller may say what they need (a failed menu prompt goes to reception)
          if (!event.ok) return handOver(state);
          return { state: { ...next, step: "listening" }, commands: [{ type: "record", prompt: "lineSpeak" }] };
        case "checking":
          if (!event.ok) return handOver(state);
          if (state.asked < MAX_ASKS)
            return { state: { ...next, asked: state.asked + 1 }, commands: [{ type: "play", prompt: "cancelCheck" }] };
          // no answer to "cancel?": nothing is cancelled, and the outcome says so
          return { state: { ...next, step: "closing", outcome: "KEPT" }, commands: [{ type: "play", prompt: "kept" }] };
        default:
          return afterFinalPrompt(next);
      }
    }

    case "recordFinished": {
      if (state.step !== "listening" || event.operationId !== state.waitingFor) return stay(state);
      const next = { ...state, waitingFor: null };
      // silence, cancelled or no recording: nobody to understand → reception
      if (!event.ok || !event.hasRecording) return handOver(next);
      return {
        state: { ...next, step: "understanding" },
        commands: [{ type: "understand", operationId: event.operationId }],
      };
    }

    case "understood":
      if (state.step !== "understanding") return stay(state);
      if (event.intent === "confirm") return act(state, "confirm");
      // a word the recogniser may have misheard never cancels on its own: the caller is asked, as for the key 2
      if (event.intent === "cancel") return askBeforeCancelling(state);
      return handOver(state);

    case "actionDone":
      if (state.step !== "acting") return stay(state);
      return afterActionDone({ ...state, about: event.about ?? null }, event.action);

    case "noAppointment":
    case "actionFailed":
      if (state.step !== "acting" && state.step !== "looking") return stay(state);
      return handOver(state);

    case "joinStarted":
    case "joinFailed":
      return afterJoinAnswer(state, event);

    case "transferFailed":
      return afterTransferFailed(state);

    case "stalled":
      // nobody has driven the call for minutes: hang up; the termination finishes it
      return endCall(state, state.outcome ?? "FAILED");

    default:
      return stay(state);
  }
}

/** What a key does where the call is: an action, a question or reception; nothing where no key is awaited. */
function keyAnswer(state: LineState, key: string): LineTransition {
  if (state.step === "checking") {
    // the answer to "cancel?": 2 again cancels, 1 keeps and confirms, 0 reception
    if (key === "2") return act(state, "cancel");
    if (key === "1") return act(state, "confirm");
    if (key === "0") return handOver(state);
    return stay(state);
  }
  if (state.step !== "menu" && state.step !== "listening" && state.step !== "visit-offer") return stay(state);
  // while a visit can be joined, 2 joins it (its cancellation cutoff has passed anyway)
  if (key === "2" && state.visit)
    return { state: { ...state, step: "joining", waitingFor: null }, commands: [{ type: "joinVisit" }] };
  if (key === "1") return act(state, "confirm");
  if (key === "2") return askBeforeCancelling(state);
  if (key === "0") return handOver(state);
  return stay(state);
}

/** Folds events (tests and replays). */
export function runLine(events: LineEvent[], initial = initialLineState()) {
  return foldEvents(lineStep, events, initial);
}
