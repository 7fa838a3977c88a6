// Job handlers of the bot: the call runtime's sweep, and the automatic join and leave. The meeting sweep
// (issue #6) finds appointments whose meeting the bot should join now (BOT_AUTO_JOIN_MINUTES_BEFORE before the
// start) and bot meeting calls it should hang up (the appointment ended, was cancelled or completed). Each item
// becomes one bot-meeting-attend job keyed by the item, and the job claims its item before acting
// (lib/bot/meeting-calls/), so two sweeps or two workers never place two calls in one meeting. The sweep also
// closes join claims that a dead process left behind. A leave is a signal to the call's attendance flow
// (lib/bot/flows/attendance-flow.ts): it hangs up and records that it did.
import "server-only";
import type PgBoss from "pg-boss";
import { getDb } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { LIVE_APPOINTMENT_STATUSES, LIVE_CALL_STATES } from "@/lib/constants";
import { botCalls } from "./index";
import { autoJoinBlocked, countsAsBotCall, PENDING_PREFIX, releaseStaleJoinClaims } from "./meeting-calls";
import { appCallRuntime } from "./runtime/app";

/**
 * call-sweep (every minute): flows that stalled are ended with the outcome they reached, calls nobody
 * recorded are hung up, and every live call due a keepAlive gets one (lib/bot/runtime/sweep.ts).
 */
export async function handleCallSweep(): Promise<void> {
  const result = await appCallRuntime().sweep();
  if (result.stalled || result.unknown || result.keepAlive.sent || result.keepAlive.gone || result.keepAlive.failed)
    logger.info(result, "call sweep");
}

/** bot-meeting-sweep (every minute): one keyed job per meeting to join or leave (duplicates collapse in the queue). */
export async function handleBotMeetingSweep(
  send: (job: BotAttendanceJob, singletonKey: string) => Promise<unknown>,
): Promise<void> {
  const due = await dueBotAttendance(getDb(), new Date(), serverEnv().BOT_AUTO_JOIN_MINUTES_BEFORE);
  for (const job of due) await send(job, attendanceKey(job));
  if (due.length) logger.info({ count: due.length }, "bot meeting sweep queued joins and leaves");
}

/** bot-meeting-attend: the claim decides again, so a stale or duplicate job changes nothing. */
export async function handleBotMeetingAttendJobs(jobs: PgBoss.Job<BotAttendanceJob>[]): Promise<void> {
  const minutesBefore = serverEnv().BOT_AUTO_JOIN_MINUTES_BEFORE;
  for (const { data } of jobs) {
    if (data.action === "join") {
      const result = await botCalls().autoJoinAppointmentMeeting(data.appointmentId, new Date(), minutesBefore);
      logger.info(
        {
          appointmentId: data.appointmentId,
          outcome: result.outcome,
          ...(result.outcome === "joined" ? { callId: result.call.id } : { reason: result.reason }),
        },
        "bot automatic join",
      );
    } else {
      const result = await botCalls().autoLeaveMeeting(data.callId, new Date());
      logger.info({ callId: data.callId, ...result }, "bot automatic leave");
    }
  }
}

export type BotAttendanceJob = { action: "join"; appointmentId: string } | { action: "leave"; callId: string };

/** The job queue's singleton key: one waiting and one running job per item. */
const attendanceKey = (job: BotAttendanceJob) =>
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
