// Job handlers for reminder calls (started by lib/jobs/worker.ts). They log ids only. The calls' flows are
// run by the call runtime (lib/bot/runtime), with the flow of lib/reminders/service.ts.
import "server-only";
import type PgBoss from "pg-boss";
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
  if (result.scheduled || result.stuck) logger.info(result, "reminder sweep");
}
