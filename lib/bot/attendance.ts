// The bot's automatic attendance (issue #6): a sweep every minute finds appointments whose meeting the
// bot should join now (BOT_AUTO_JOIN_MINUTES_BEFORE before the start) and bot meeting calls it should
// hang up (the appointment ended, was cancelled or completed). Each item becomes one bot-meeting-attend
// job keyed by the item, and the job claims its item before acting (lib/bot/meeting-calls.ts), so two
// sweeps or two workers never place two calls in one meeting. The sweep also closes join claims that a
// dead process left behind. A leave is a signal to the call's attendance flow (lib/bot/flows/attendance.ts),
// which the call runtime runs like every call's flow: it hangs up and records that it did.
import { systemActor } from "@/lib/audit/mutations";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import {
  attendanceStateSchema,
  attendanceStep,
  initialAttendance,
  type AttendanceCommand,
  type AttendanceState,
} from "./flows/attendance";
import { auditInTransaction } from "./runtime/audit";
import { defineFlow } from "./runtime/flow";
import { autoJoinBlocked, countsAsBotCall, PENDING_PREFIX, releaseStaleJoinClaims } from "./meeting-calls";
import { LIVE_APPOINTMENT_STATUSES, LIVE_CALL_STATES, isLiveCallState } from "@/lib/constants";

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

export type BotAttendanceJob = { action: "join"; appointmentId: string } | { action: "leave"; callId: string };

/** The job queue's singleton key: one waiting and one running job per item. */
export const attendanceKey = (job: BotAttendanceJob) =>
  job.action === "join" ? `join:${job.appointmentId}` : `leave:${job.callId}`;

export async function dueBotAttendance(
  db: PrismaClient,
  now: Date,
  minutesBefore: number,
  limit = 100,
): Promise<BotAttendanceJob[]> {
  const jobs: BotAttendanceJob[] = [];
  await releaseStaleJoinClaims(db);
  if (minutesBefore > 0) {
    const candidates = await db.appointment.findMany({
      where: {
        status: { in: LIVE_APPOINTMENT_STATUSES },
        startsAt: { lte: new Date(now.getTime() + minutesBefore * 60_000) },
        endsAt: { gt: now },
        meeting: { state: "READY" },
      },
      select: {
        id: true,
        status: true,
        startsAt: true,
        endsAt: true,
        meeting: { select: { state: true, startsAt: true } },
        calls: { where: { purpose: "MEETING_JOIN" }, select: { state: true, createdAt: true, graphCallId: true } },
      },
      orderBy: { startsAt: "asc" },
      take: limit * 2,
    });
    for (const a of candidates) {
      if (autoJoinBlocked(a, a.meeting, a.calls.filter(countsAsBotCall), now, minutesBefore)) continue;
      jobs.push({ action: "join", appointmentId: a.id });
      if (jobs.length >= limit) break;
    }
  }
  const ended = await db.call.findMany({
    where: {
      purpose: "MEETING_JOIN",
      state: { in: LIVE_CALL_STATES },
      NOT: { graphCallId: { startsWith: PENDING_PREFIX } },
      OR: [
        { appointmentId: null },
        { appointment: { status: { notIn: LIVE_APPOINTMENT_STATUSES } } },
        { appointment: { endsAt: { lte: now } } },
      ],
    },
    select: { id: true },
    orderBy: { createdAt: "asc" },
    take: limit,
  });
  for (const call of ended) jobs.push({ action: "leave", callId: call.id });
  return jobs;
}
