// Job handlers of the bot: applying notifications, and the automatic join and leave.
import "server-only";
import type PgBoss from "pg-boss";
import { getDb } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { attendanceKey, dueBotAttendance, type BotAttendanceJob } from "./attendance";
import { botCalls } from "./index";
import { CallNotYetKnown, processNotificationJob, type NotificationJob } from "./process";

export async function handleBotNotificationJobs(jobs: PgBoss.Job<NotificationJob>[]): Promise<void> {
  for (const job of jobs) {
    try {
      await processNotificationJob(getDb(), job.data);
    } catch (error) {
      if (error instanceof CallNotYetKnown)
        logger.info({ graphCallId: error.graphCallId }, "call not known yet; retrying");
      throw error;
    }
  }
}

/** bot-meeting-sweep: queue one keyed job per meeting to join or leave (duplicates collapse in the queue). */
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
