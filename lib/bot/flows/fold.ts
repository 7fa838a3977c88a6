// What the reminder call and the clinic line's state machines share: folding a list of events (tests and
// replays) and the closing transitions that are the same in both flows.
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
