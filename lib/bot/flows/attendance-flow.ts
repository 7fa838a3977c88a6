// The bot's meeting and group calls as the call runtime runs them (lib/bot/runtime/app.ts): the pure state
// machine of ./attendance.ts, with its one commit — the audit row of the automatic leave. The leave itself is
// signalled by the meeting sweep's job (lib/bot/jobs.ts).
import "server-only";
import { systemActor } from "@/lib/audit/mutations";
import { isLiveCallState } from "@/lib/constants";
import { auditInTransaction } from "../runtime/audit";
import { defineFlow } from "../runtime/flow";
import {
  attendanceStateSchema,
  attendanceStep,
  initialAttendance,
  type AttendanceCommand,
  type AttendanceState,
} from "./attendance";

/**
 * The call runtime's definition of the bot's meeting and group calls (MEETING_JOIN, GROUP_CALL): the
 * leave signalled by the meeting sweep's job, and its audit row (`graph.call.leave`, as a leave by staff),
 * committed with the flow's step.
 */
export const attendanceFlow = defineFlow<AttendanceState, never, AttendanceCommand>({
  schema: attendanceStateSchema,
  // a call placed before the runtime had flows starts in the meeting, if it still is
  initial: (call) => (isLiveCallState(call.state) ? initialAttendance() : null),
  step(state, event) {
    const { state: next, commands } = attendanceStep(state, event);
    return { document: next, commands };
  },
  locale: () => "pt-BR",
  context: "attendance",
  commits: new Set(["recordLeave"]),
  async commit(sql, call, _state, command) {
    if (command.type !== "recordLeave") return [];
    await auditInTransaction(
      sql,
      systemActor("bot-auto"),
      "graph.call.leave",
      { type: "Call", id: call.id },
      { trigger: "automatic", reason: command.reason, outcome: command.outcome },
    );
    return [];
  },
  finished: (state) => state.step === "done",
});
