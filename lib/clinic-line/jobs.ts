// Hooks for the clinic line (started by lib/jobs/worker.ts). They log ids only.
import "server-only";
import type PgBoss from "pg-boss";
import type { NotificationJob } from "@/lib/bot/process";
import { setRecordingHandler, setToneHandler } from "@/lib/bot/tones";
import { logger } from "@/lib/logger";
import { reminders } from "@/lib/reminders";
import { clinicLine } from "./index";

/** After the bot applied a delivery: incoming calls are decided (15 s window), IVR flows react. */
export async function clinicLineAfterNotifications(jobs: PgBoss.Job<NotificationJob>[]): Promise<void> {
  const notifications = jobs.flatMap((job) => job.data.items.map((item) => item.notification));
  try {
    await clinicLine().handleNotifications(notifications);
  } catch (error) {
    logger.warn({ err: error instanceof Error ? error.name : "error" }, "clinic line could not handle a notification");
  }
}

/**
 * Ends answered calls whose IVR has not moved for a while (its driver died). Runs with the reminder sweep
 * (every minute, lib/reminders/jobs.ts) until it has a queue of its own.
 */
export async function handleClinicLineSweep(): Promise<void> {
  try {
    const result = await clinicLine().sweep();
    if (result.stalled) logger.info(result, "clinic line sweep");
  } catch (error) {
    logger.warn({ err: error instanceof Error ? error.name : "error" }, "clinic line sweep failed");
  }
}

/**
 * Key presses and finished recordings arrive in memory in the process that received the webhook
 * (lib/bot/tones.ts). One tone handler serves both flows; each ignores calls that are not its own.
 */
export function listenForCallMedia(): void {
  setToneHandler((graphCallId, tone) => {
    void reminders().handleTone(graphCallId, tone);
    void clinicLine().handleTone(graphCallId, tone);
  });
  setRecordingHandler((graphCallId, recording) => {
    void clinicLine().handleRecording(graphCallId, recording);
  });
}
