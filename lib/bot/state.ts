// The call state machine (emulator/CONTRACT.md#call-states), pure: given what we know and one notification,
// what we know next. Notifications can arrive out of order and more than once, so state is applied by meaning,
// not by arrival: a state never moves back down the ranking, `terminated` is final, and the one documented way
// back (a failed transfer returns to `established` with a failure resultInfo) is the only exception.
import "server-only";
import { CALL_STATES } from "@/lib/constants";
import type { ChangeType, ResultCode } from "./schema";

export type CallState = (typeof CALL_STATES)[number];

const RANK: Record<CallState, number> = {
  incoming: 0,
  establishing: 1,
  ringing: 2,
  established: 3,
  // hold has no documented trigger for bots; it sits beside established and may alternate with it
  hold: 3,
  transferring: 4,
  transferAccepted: 5,
  redirecting: 5,
  terminating: 6,
  terminated: 7,
};

export const isCallState = (value: unknown): value is CallState =>
  typeof value === "string" && (CALL_STATES as readonly string[]).includes(value);

export interface CallSnapshot {
  state: CallState;
  establishedAt: Date | null;
  endedAt: Date | null;
  resultCode: number | null;
  resultSubcode: number | null;
  outcome: string | null;
}

export interface CallEvent {
  changeType: ChangeType;
  state: string | null;
  resultInfo: ResultCode | null;
}

export interface Transition {
  next: CallSnapshot;
  changed: boolean;
  /** why nothing changed, for the log */
  ignored?: "final" | "stale" | "unknown-state" | "same";
}

/** What a termination or failed action means for a person reading the call log (codes, never messages). */
export function outcomeFor(result: ResultCode | null): string {
  const code = result?.code ?? null;
  const subcode = result?.subcode ?? null;
  if (code === null) return "ended";
  if (subcode === 7015) return "transferred";
  if (code === 603) return "declined";
  if (code === 486) return "busy";
  if (code === 408 && subcode === 10057) return "no-answer";
  if (code === 408 && subcode === 8537) return "keep-alive-timeout";
  if (code === 408) return "timed-out";
  if (code === 480) return "unreachable";
  if (code === 0 || (code >= 200 && code < 300)) return "completed";
  return "failed";
}

const isFailure = (result: ResultCode | null) =>
  result?.code !== null && result?.code !== undefined && result.code >= 400;

export function applyCallEvent(current: CallSnapshot, event: CallEvent, at: Date): Transition {
  if (current.state === "terminated") return { next: current, changed: false, ignored: "final" };
  // `deleted` on the call = gone, whatever state it names (a rejected call's deletion names none)
  const target: string | null = event.changeType === "deleted" ? "terminated" : event.state;
  if (!isCallState(target)) return { next: current, changed: false, ignored: "unknown-state" };

  if (target === "terminated") {
    // A call that never connected did not complete, whatever success code it ends with (the bot hanging up
    // while it still rang ends 200/7000): it failed.
    const connected =
      current.establishedAt !== null || (RANK[current.state] >= RANK.established && current.state !== "terminating");
    const outcome = outcomeFor(event.resultInfo);
    return {
      next: {
        ...current,
        state: "terminated",
        endedAt: current.endedAt ?? at,
        resultCode: event.resultInfo?.code ?? current.resultCode,
        resultSubcode: event.resultInfo?.subcode ?? current.resultSubcode,
        outcome: outcome === "completed" && !connected ? "failed" : outcome,
      },
      changed: true,
    };
  }

  const from = RANK[current.state];
  const to = RANK[target];
  const transferFailedBack =
    target === "established" &&
    (current.state === "transferring" || current.state === "transferAccepted") &&
    isFailure(event.resultInfo);
  const lateral = to === from && target !== current.state; // established <-> hold
  if (target === current.state) {
    // a repeated state can still bring news (e.g. the failure result of a transfer that never moved)
    if (event.resultInfo && isFailure(event.resultInfo) && event.resultInfo.code !== current.resultCode) {
      return {
        next: { ...current, resultCode: event.resultInfo.code, resultSubcode: event.resultInfo.subcode },
        changed: true,
      };
    }
    return { next: current, changed: false, ignored: "same" };
  }
  if (to < from && !transferFailedBack) return { next: current, changed: false, ignored: "stale" };
  if (to > from || transferFailedBack || lateral) {
    const next: CallSnapshot = { ...current, state: target };
    // terminating (a hang-up while ringing) and redirecting (an unanswered incoming call) rank above
    // established but do not mean the call ever connected
    const connects = to >= RANK.established && target !== "terminating" && target !== "redirecting";
    if (connects && !current.establishedAt) next.establishedAt = at;
    if (transferFailedBack) {
      next.resultCode = event.resultInfo?.code ?? null;
      next.resultSubcode = event.resultInfo?.subcode ?? null;
      next.outcome = "transfer-failed";
    }
    return { next, changed: true };
  }
  return { next: current, changed: false, ignored: "stale" };
}

/** Folds a sequence (for tests and replays). */
export function replay(initial: CallSnapshot, events: CallEvent[], at: Date): CallSnapshot {
  return events.reduce((snapshot, event) => applyCallEvent(snapshot, event, at).next, initial);
}

export const initialSnapshot = (state: CallState = "establishing"): CallSnapshot => ({
  state,
  establishedAt: null,
  endedAt: null,
  resultCode: null,
  resultSubcode: null,
  outcome: null,
});

// --- operations ---------------------------------------------------------------------------------

export type OperationStatusValue = "NOT_STARTED" | "RUNNING" | "COMPLETED" | "FAILED";

const OPERATION_RANK: Record<OperationStatusValue, number> = { NOT_STARTED: 0, RUNNING: 1, COMPLETED: 2, FAILED: 2 };

export function operationStatusFrom(status: string | null | undefined): OperationStatusValue | null {
  switch (status?.toLowerCase()) {
    case "notstarted":
      return "NOT_STARTED";
    case "running":
      return "RUNNING";
    case "completed":
      return "COMPLETED";
    case "failed":
      return "FAILED";
    default:
      return null;
  }
}

/** Operations only move forward; a finished one (completed or failed) never changes again. */
export function nextOperationStatus(
  current: OperationStatusValue,
  incoming: OperationStatusValue | null,
): OperationStatusValue {
  if (!incoming) return current;
  if (OPERATION_RANK[current] === 2) return current;
  return OPERATION_RANK[incoming] > OPERATION_RANK[current] ? incoming : current;
}

// --- roster -------------------------------------------------------------------------------------

export interface RosterDiff<T extends { graphParticipantId: string }> {
  upsert: T[];
  /** ids of people present before whom the update names as gone */
  gone: string[];
}

/**
 * A roster update is merged by participant id: who it lists joined or changed, who it names as removed left;
 * everyone it does not mention is as before (updates may list only who changed). Removal is explicit.
 */
export function mergeRoster<T extends { graphParticipantId: string }>(
  presentIds: readonly string[],
  update: { participants: readonly T[]; removed?: readonly string[] },
): RosterDiff<T> {
  const removed = new Set(update.removed ?? []);
  return {
    upsert: update.participants.filter((p) => !removed.has(p.graphParticipantId)),
    gone: presentIds.filter((id) => removed.has(id)),
  };
}
