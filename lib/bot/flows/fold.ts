// What the call flows' state machines share (the reminder call, the clinic line and the rescue call): folding a
// list of events (tests and replays), the opening and closing transitions that are the same in each, how a call
// ends, and how Graph's result codes say it ended.
import "server-only";
import type { PromptKey } from "@/lib/prompts/texts";

/**
 * The part of a flow's state the shared transitions read and write. They decide FAILED, and CONFIRMED or
 * CANCELLED only on an action's answer, which only the flows with those outcomes hear; any other outcome is
 * the flow's own (`AnsweredEnds`).
 */
interface ClosableState {
  step: string;
  outcome: string | null;
}

/** The flow's own command that stores how the call ended. */
type Finish<S extends ClosableState, C> = (outcome: NonNullable<S["outcome"]>, reason: string) => C;

/** The patient hung up at "cancel?" (step checking), or let it go unanswered: nothing was cancelled. */
export const CANCEL_NOT_CONFIRMED = "cancel-not-confirmed";

interface PlayTransition<S> {
  state: S;
  commands: { type: "play"; prompt: PromptKey }[];
}

/** Folds events through `step` from `initial`: the last state and every command, in order. */
export function foldEvents<S, E, C>(
  step: (state: S, event: E) => { state: S; commands: C[] },
  events: E[],
  initial: S,
): { state: S; commands: C[] } {
  let state = initial;
  const commands: C[] = [];
  for (const event of events) {
    const t = step(state, event);
    state = t.state;
    commands.push(...t.commands);
  }
  return { state, commands };
}

/**
 * waiting ──established──▶ `started`, playing `first`, once the call's audio is active: a prompt played before
 * it (Graph reports the audio in a later `established`) would not be heard from its start. Tones are subscribed
 * first, so a key pressed during the prompt is not lost. Other steps ignore it (a repeated `established`).
 */
export function afterEstablished<
  S extends ClosableState & { established: boolean },
  P extends { type: "play"; prompt: PromptKey },
>(
  state: S,
  event: { audioActive?: boolean },
  waiting: S["step"],
  started: S,
  first: P,
): { state: S; commands: ({ type: "subscribeToTone" } | P)[] } {
  if (state.step !== waiting) return { state, commands: [] };
  if (event.audioActive === false) return { state: { ...state, established: true }, commands: [] };
  return { state: { ...started, established: true }, commands: [{ type: "subscribeToTone" }, first] };
}

/** playStarted (recordStarted) ──▶ the flow waits for that operation: another's completion is stale. */
export function waitFor<S extends { waitingFor: string | null }>(state: S, operationId: string) {
  return { state: { ...state, waitingFor: operationId }, commands: [] };
}

/** `state` with its outcome decided, and the command that stores it. */
function decided<S extends ClosableState, C>(state: S, outcome: string, reason: string, finish: Finish<S, C>) {
  const next = { ...state, outcome };
  return { state: next, commands: [finish(next.outcome, reason)] };
}

/**
 * done ──a late event──▶ the outcome, when the call ended before one was decided: a stall means no result will
 * come (FAILED). In the flows whose actions answer after the hang-up, the action's result still counts, and
 * `unacted` says what an action that did not happen means (actionFailed, noAppointment). Once decided, nothing
 * changes.
 */
export function lateEvent<S extends ClosableState, C>(
  state: S,
  event: { type: string; action?: unknown },
  finish: Finish<S, C>,
  unacted?: { outcome: NonNullable<S["outcome"]>; reason: string },
): { state: S; commands: C[] } {
  if (state.outcome) return { state, commands: [] };
  if (event.type === "stalled") return decided(state, "FAILED", "stalled", finish);
  if (!unacted) return { state, commands: [] };
  if (event.type === "actionDone")
    return decided(state, event.action === "confirm" ? "CONFIRMED" : "CANCELLED", "hung-up", finish);
  if (event.type === "actionFailed" || event.type === "noAppointment")
    return decided(state, unacted.outcome, unacted.reason, finish);
  return { state, commands: [] };
}

/** What a flow calls the ends of an answered call (its outcomes). */
export interface AnsweredEnds<O> {
  /** reception took the call */
  transferred: O;
  /** it ended during a transfer that did not complete, with nothing decided before */
  notTransferred: O;
  /** hung up before anything was decided */
  hungUp: O;
  /** moved into the meeting, in the flows that can join one */
  joined?: O;
}

/**
 * any ──terminated──▶ done, for an answered call: handed over only on 0/7015 GracefulTransferCompleted (the
 * documented success); moved into the meeting when Graph drops the call its invitation replaced; else what was
 * decided (`detail` says why, when the outcome alone does not), or hung up undecided. A call never answered,
 * or one whose action still runs, each flow ends itself.
 */
export function afterTerminated<
  S extends ClosableState & { waitingFor: string | null; joinOperation?: string | null; detail?: string | null },
  C,
>(state: S, resultSubcode: number | null, ends: AnsweredEnds<NonNullable<S["outcome"]>>, finish: Finish<S, C>) {
  const done: S = { ...state, step: "done", waitingFor: null };
  if (state.step === "transferring") {
    if (resultSubcode === 7015) return decided(done, ends.transferred, "transferred", finish);
    return decided(done, state.outcome ?? ends.notTransferred, "ended-during-transfer", finish);
  }
  if (state.step === "joining" && state.joinOperation && ends.joined)
    return decided(done, ends.joined, "moved-into-meeting", finish);
  if (state.outcome) return decided(done, state.outcome, state.detail ?? "completed", finish);
  return decided(done, ends.hungUp, state.step === "checking" ? CANCEL_NOT_CONFIRMED : "hung-up", finish);
}

/** acting ──action done──▶ closing: say what was done; the outcome is decided. Other steps ignore it. */
export function afterActionDone<S extends ClosableState>(state: S, action: "confirm" | "cancel"): PlayTransition<S> {
  if (state.step !== "acting") return { state, commands: [] };
  return {
    state: { ...state, step: "closing", outcome: action === "confirm" ? "CONFIRMED" : "CANCELLED" },
    commands: [{ type: "play", prompt: action === "confirm" ? "confirmed" : "cancelled" }],
  };
}

/** transferring ──transfer failed──▶ closing (play "goodbye"), FAILED unless decided. Other steps ignore it. */
export function afterTransferFailed<S extends ClosableState>(state: S): PlayTransition<S> {
  if (state.step !== "transferring") return { state, commands: [] };
  return {
    state: { ...state, step: "closing", outcome: state.outcome ?? "FAILED" },
    commands: [{ type: "play", prompt: "goodbye" }],
  };
}

/** ──▶ handing-over: say that reception takes the call; no earlier prompt is waited for any more. */
export function handOver<S extends ClosableState & { waitingFor: string | null }>(state: S): PlayTransition<S> {
  return {
    state: { ...state, step: "handing-over", waitingFor: null },
    commands: [{ type: "play", prompt: "transferring" }],
  };
}

/**
 * joining ──the meeting's call accepted the invitation──▶ its operation is kept, so that the call's end means
 * it moved into the meeting (afterTerminated); ──refused (or no meeting call)──▶ reception takes the call.
 */
export function afterJoinAnswer<S extends ClosableState & { waitingFor: string | null; joinOperation: string | null }>(
  state: S,
  event: { type: "joinStarted"; operationId: string } | { type: "joinFailed" },
): PlayTransition<S> {
  if (state.step !== "joining") return { state, commands: [] };
  if (event.type === "joinStarted") return { state: { ...state, joinOperation: event.operationId }, commands: [] };
  return handOver(state);
}

/** handing-over ──prompt over──▶ transferring: the call goes to reception. */
export function transferNow<S extends ClosableState>(state: S): { state: S; commands: { type: "transfer" }[] } {
  return { state: { ...state, step: "transferring" }, commands: [{ type: "transfer" }] };
}

/** ──▶ ending: the bot hangs up, and the call's end (terminated) finishes it with `outcome`. */
export function endCall<S extends ClosableState & { waitingFor: string | null }>(
  state: S,
  outcome: S["outcome"] = state.outcome,
): { state: S; commands: { type: "hangUp" }[] } {
  return { state: { ...state, step: "ending", waitingFor: null, outcome }, commands: [{ type: "hangUp" }] };
}

/**
 * The prompt the flow waited for is over (`state` waits for no other). The call's last words lead on:
 * handing-over ──▶ transferring (the call goes to reception), closing ──▶ ending (the bot hangs up). Other
 * steps wait on; their prompts are each flow's own.
 */
export function afterFinalPrompt<S extends ClosableState & { waitingFor: string | null }>(
  state: S,
): { state: S; commands: ({ type: "transfer" } | { type: "hangUp" })[] } {
  if (state.step === "handing-over") return transferNow(state);
  if (state.step === "closing") return endCall(state);
  return { state, commands: [] };
}

/** Why an unanswered call ended, from Graph's code/subcode (never the message). */
export function unansweredReason(code: number | null, subcode: number | null): string {
  if (code === 486) return "busy";
  if (code === 603) return "declined";
  if (code === 408 && subcode === 10057) return "no-answer";
  if (code === 480) return "unreachable";
  if (code === 408) return "timed-out";
  return code === null ? "ended" : `failed-${code}`;
}
