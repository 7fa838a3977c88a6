// What the call flows' state machines share (the reminder call, the clinic line and the rescue call): folding a
// list of events (tests and replays), the closing transitions that are the same in each, and how Graph's result
// codes say a call ended.
import "server-only";
import type { PromptKey } from "@/lib/prompts/texts";

/** The part of a flow's state the shared transitions read and write. */
interface ClosableState {
  step: string;
  outcome: string | null;
}

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

/** handing-over ──prompt over──▶ transferring: the call goes to reception. */
export function transferNow<S extends ClosableState>(state: S): { state: S; commands: { type: "transfer" }[] } {
  return { state: { ...state, step: "transferring" }, commands: [{ type: "transfer" }] };
}

/** closing ──goodbye over──▶ ending: the bot hangs up. */
export function hangUpNow<S extends ClosableState>(state: S): { state: S; commands: { type: "hangUp" }[] } {
  return { state: { ...state, step: "ending" }, commands: [{ type: "hangUp" }] };
}

/** A call that ended while being transferred: handed over only on 0/7015 GracefulTransferCompleted, the documented success. */
export function transferEnd(resultSubcode: number | null): {
  transferred: boolean;
  reason: "transferred" | "ended-during-transfer";
} {
  const transferred = resultSubcode === 7015;
  return { transferred, reason: transferred ? "transferred" : "ended-during-transfer" };
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
