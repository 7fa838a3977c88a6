// Job handlers and hooks for reminder calls (started by lib/jobs/worker.ts). They log ids only. Key presses
// reach the reminder flows through the shared media hook (lib/clinic-line/jobs.ts, listenForCallMedia).
import "server-only";
import type PgBoss from "pg-boss";
import type { BotNotification } from "@/lib/bot/schema";
import { logger } from "@/lib/logger";
import { reminders } from "./index";
import { ReminderCapacityReached, type ReminderJob } from "./service";

/** How long a dispatch job waits for a free call slot before it goes back to the queue (retried in 10 s). */
const CAPACITY_WAIT_MS = 30_000;
const CAPACITY_POLL_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function handleReminderDispatchJobs(jobs: PgBoss.Job<ReminderJob>[]): Promise<void> {
  for (const job of jobs) {
    const giveUpAt = Date.now() + CAPACITY_WAIT_MS;
    for (;;) {
      try {
        // throws on throttling: the queue retries the same job later
        const result = await reminders().dispatch(job.data);
        logger.info({ reminderId: job.data.reminderId, attempt: job.data.attempt, result }, "reminder dispatch");
        break;
      } catch (error) {
        // At the cap the job waits here for a slot (one count query per poll) instead of failing into the
        // queue's retry: only the few dispatch workers wait, the thousands of jobs behind them stay queued
        // at no cost, and a freed slot is taken within a poll instead of up to 10 s later.
        if (!(error instanceof ReminderCapacityReached) || Date.now() >= giveUpAt) throw error;
        while (Date.now() < giveUpAt && !(await reminders().hasCapacity())) await sleep(CAPACITY_POLL_MS);
      }
    }
  }
}

export async function handleReminderSweep(): Promise<void> {
  const result = await reminders().sweep();
  if (result.scheduled || result.unheard || result.stalled || result.stuck) logger.info(result, "reminder sweep");
}

/** After the bot applied a call's notifications: the reminder flows react to call state and finished prompts. */
export async function reminderFlowsAfterNotifications(notifications: BotNotification[]): Promise<void> {
  try {
    await reminders().handleNotifications(notifications);
  } catch (error) {
    // the notifications are applied; a flow that missed one ends by its own terminate or the sweep (which
    // feeds a termination the flow did not hear again)
    logger.warn({ err: error }, "reminder flow could not handle a notification");
  }
}
