// Job handlers of the bot: the call runtime's sweep, and the automatic join and leave.
import "server-only";
import type PgBoss from "pg-boss";
import { getDb } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { attendanceKey, dueBotAttendance, type BotAttendanceJob } from "./attendance";
import { botCalls } from "./index";
import { appCallRuntime } from "./runtime/app";

/**
 * call-sweep (every minute): flows that stalled are ended with the outcome they reached, calls nobody
 * recorded are hung up, and every live call due a keepAlive gets one (lib/bot/runtime/engine.ts).
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
