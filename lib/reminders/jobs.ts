// Job handlers and hooks for reminder calls (started by lib/jobs/worker.ts). They log ids only. Key presses
// reach the reminder flows through the shared media hook (lib/clinic-line/jobs.ts, listenForCallMedia).
import "server-only";
import type PgBoss from "pg-boss";
import type { NotificationJob } from "@/lib/bot/process";
import { handleClinicLineSweep } from "@/lib/clinic-line/jobs";
import { logger } from "@/lib/logger";
import { reminders } from "./index";
import type { ReminderJob } from "./service";

export async function handleReminderDispatchJobs(jobs: PgBoss.Job<ReminderJob>[]): Promise<void> {
  for (const job of jobs) {
    // throws on throttling / full capacity: the queue retries the same job later
    const result = await reminders().dispatch(job.data);
    logger.info({ reminderId: job.data.reminderId, attempt: job.data.attempt, result }, "reminder dispatch");
  }
}

export async function handleReminderSweep(): Promise<void> {
  // the clinic line's stalled calls ride on this every-minute job (lib/jobs/worker.ts schedules it)
  await handleClinicLineSweep();
  const result = await reminders().sweep();
  if (result.scheduled || result.stuck) logger.info(result, "reminder sweep");
}

/** After the bot applied a delivery: the reminder flows react to call state and finished prompts. */
export async function reminderFlowsAfterNotifications(jobs: PgBoss.Job<NotificationJob>[]): Promise<void> {
  const notifications = jobs.flatMap((job) => job.data.items.map((item) => item.notification));
  try {
    await reminders().handleNotifications(notifications);
  } catch (error) {
    // the notifications are applied; a flow that missed one ends by its own terminate or the sweep
    logger.warn({ err: error }, "reminder flow could not handle a notification");
  }
}
