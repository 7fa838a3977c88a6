// Hooks for the clinic line (started by lib/jobs/worker.ts). They log ids only.
import "server-only";
import type { BotNotification } from "@/lib/bot/schema";
import { setRecordingHandler, setToneHandler } from "@/lib/bot/tones";
import { logger } from "@/lib/logger";
import { reminders } from "@/lib/reminders";
import { clinicLine } from "./index";

/** After the bot applied a call's notifications: incoming calls are decided (15 s window), IVR flows react. */
export async function clinicLineAfterNotifications(notifications: BotNotification[]): Promise<void> {
  try {
    await clinicLine().handleNotifications(notifications);
  } catch (error) {
    logger.warn({ err: error instanceof Error ? error.name : "error" }, "clinic line could not handle a notification");
  }
}

/**
 * clinic-line-sweep (every minute): ends answered calls whose IVR has not moved for a while (its driver died).
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
