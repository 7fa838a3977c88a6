// Job handlers of the bot: applying notifications, and the automatic join and leave.
import "server-only";
import type PgBoss from "pg-boss";
import { getDb } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { attendanceKey, dueBotAttendance, type BotAttendanceJob } from "./attendance";
import { drainCall, type AfterApplied } from "./drain";
import { botCalls } from "./index";
import { keepCallsAlive } from "./keepalive";
import { graphForApp } from "@/lib/graph";
import { CallNotYetKnown, processNotificationJob, type DrainJob, type NotificationJob } from "./process";

/**
 * Tries while a call's row is not committed yet (the notification overtook the create response): about two
 * and a half minutes in all, more than the dialler's own retries of that write.
 */
export const NOT_YET_KNOWN_TRIES = 10;

export interface DrainRetry {
  /** queues the call's drain again after `delaySeconds` */
  later(job: DrainJob, delaySeconds: number): Promise<unknown>;
  /** hangs up a call that still has no row after every try (a call already gone is not an error) */
  abandon(graphCallId: string): Promise<void>;
}

const isDrainJob = (data: DrainJob | NotificationJob): data is DrainJob =>
  typeof (data as DrainJob).graphCallId === "string";

/**
 * bot-notification: drains the calls of a batch of jobs at once — one drain per call however many of its
 * jobs came together — each in arrival order (lib/bot/drain.ts). A call not known yet is tried again
 * later with a growing delay, and hung up when it stays unknown; any other failure fails the batch, and
 * pg-boss retries it (a drain that succeeded finds nothing left the second time).
 */
export async function handleBotNotificationJobs(
  jobs: PgBoss.Job<DrainJob | NotificationJob>[],
  afterApplied: AfterApplied,
  retry: DrainRetry,
): Promise<void> {
  const attempts = new Map<string, number>();
  const legacy: NotificationJob[] = [];
  for (const { data } of jobs) {
    if (!isDrainJob(data)) legacy.push(data);
    else attempts.set(data.graphCallId, Math.max(attempts.get(data.graphCallId) ?? 0, data.attempt ?? 0));
  }
  const results = await Promise.allSettled([
    ...[...attempts].map(async ([graphCallId, attempt]) => {
      try {
        await drainCall(getDb(), graphCallId, afterApplied);
      } catch (error) {
        if (!(error instanceof CallNotYetKnown)) throw error;
        if (attempt + 1 >= NOT_YET_KNOWN_TRIES) {
          // Minutes on, still no row: the process that placed the call died between Graph's answer and
          // writing it down. Nobody drives that call and nobody ever will, so it is hung up rather than left
          // holding a line (and a place under Microsoft's concurrent-call limit).
          logger.warn({ graphCallId }, "call never recorded; hanging it up");
          await retry.abandon(graphCallId);
          return;
        }
        logger.info({ graphCallId, attempt }, "call not known yet; draining again later");
        await retry.later({ graphCallId, attempt: attempt + 1 }, Math.min(2 ** attempt, 30));
      }
    }),
    // jobs queued by a release before drains carry their notifications themselves
    ...legacy.map(async (job) => {
      await processNotificationJob(getDb(), job);
      await afterApplied(job.items.map((item) => item.notification));
    }),
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/**
 * bot-meeting-sweep (every minute): queue one keyed job per meeting to join or leave (duplicates collapse in
 * the queue), and send a keepAlive to every live call of the bot that is due one (lib/bot/keepalive.ts).
 */
export async function handleBotMeetingSweep(
  send: (job: BotAttendanceJob, singletonKey: string) => Promise<unknown>,
): Promise<void> {
  const now = new Date();
  const due = await dueBotAttendance(getDb(), now, serverEnv().BOT_AUTO_JOIN_MINUTES_BEFORE);
  for (const job of due) await send(job, attendanceKey(job));
  if (due.length) logger.info({ count: due.length }, "bot meeting sweep queued joins and leaves");
  const kept = await keepCallsAlive({ db: getDb(), calls: graphForApp().calls }, now);
  if (kept.sent || kept.gone || kept.failed) logger.info(kept, "bot keepAlive");
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
