// The bot's attendance of a meeting or group call as a pure state machine. Little happens in it: the
// roster and the call's state are applied by the runtime for everyone to read; what the flow decides is the
// automatic leave — the meeting sweep signals `leave` when the appointment is over, and the bot hangs up its
// own leg (the others stay) and records that it did.
//
//  in ──leave──▶ leaving (hang up) ──hung up / gone──▶ left (recorded) ──terminated──▶ done
//  leaving ──hang-up failed──▶ in (recorded; the next sweep signals again)
//  any ──terminated──▶ done
import "server-only";
import { z } from "zod";
import type { RuntimeEvent } from "@/lib/bot/runtime/flow";

export interface AttendanceState {
  step: "in" | "leaving" | "left" | "done";
  /** why the bot is leaving (the appointment ended, was cancelled, …), for the audit */
  reason: string | null;
}

export const attendanceStateSchema = z.object({
  step: z.enum(["in", "leaving", "left", "done"]),
  reason: z.string().max(200).nullable(),
}) satisfies z.ZodType<AttendanceState>;

export type AttendanceCommand =
  | { type: "hangUp" }
  /** the audit of the automatic leave: requested (Graph took the hang-up, or the call was gone) or failed */
  | { type: "recordLeave"; reason: string; outcome: "requested" | "failed" };

export interface AttendanceTransition {
  state: AttendanceState;
  commands: AttendanceCommand[];
}

export const initialAttendance = (): AttendanceState => ({ step: "in", reason: null });

const stay = (state: AttendanceState): AttendanceTransition => ({ state, commands: [] });

export function attendanceStep(state: AttendanceState, event: RuntimeEvent): AttendanceTransition {
  if (state.step === "done") return stay(state);
  switch (event.type) {
    case "leave":
      if (state.step !== "in") return stay(state);
      return { state: { step: "leaving", reason: event.reason }, commands: [{ type: "hangUp" }] };
    case "hungUp":
      if (state.step !== "leaving") return stay(state);
      return {
        state: { ...state, step: "left" },
        commands: [{ type: "recordLeave", reason: state.reason ?? "", outcome: "requested" }],
      };
    case "hangUpFailed":
      if (state.step !== "leaving") return stay(state);
      return {
        state: { step: "in", reason: null },
        commands: [{ type: "recordLeave", reason: state.reason ?? "", outcome: "failed" }],
      };
    case "terminated":
      // gone before the hang-up was answered (Graph no longer knew the call): the leave happened all the same
      if (state.step === "leaving")
        return {
          state: { ...state, step: "done" },
          commands: [{ type: "recordLeave", reason: state.reason ?? "", outcome: "requested" }],
        };
      return stay({ ...state, step: "done" });
    default:
      return stay(state);
  }
}
