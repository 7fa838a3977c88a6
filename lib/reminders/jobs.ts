// Job handlers for reminder calls (started by lib/jobs/worker.ts). They log ids only. The calls' flows are
// run by the call runtime (lib/bot/runtime), with the flow of lib/reminders/flow-service.ts.
import "server-only";
import type PgBoss from "pg-boss";
import type { CallSql } from "@/lib/bot/runtime/sql";
import { callSql } from "@/lib/bot/wiring";
import { logger } from "@/lib/logger";
import { reminders } from "./index";
import { REMINDER_SLOTS_CHANNEL, ReminderCapacityReached, type DispatchResult } from "./dispatch-service";
import type { ReminderJob } from "./service";

/** How long a dispatch job waits for a free call slot before it goes back to the queue (retried in 10 s). */
const CAPACITY_WAIT_MS = 30_000;
/** a slot freed elsewhere whose NOTIFY was lost is found by looking again this often */
const CAPACITY_LOOK_MS = 5_000;

/** Dispatchers of this process waiting for a place under the cap, first come first served. */
const waiting: (() => void)[] = [];

/** One waiting dispatcher per freed place: the others stay asleep instead of all counting again. */
function slotFreed() {
  waiting.shift()?.();
}

function nextSlot(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      const at = waiting.indexOf(wake);
      if (at >= 0) waiting.splice(at, 1);
      resolve();
    }, ms);
    waiting.push(wake);
  });
}

/** Reminder calls ending anywhere wake this process's waiting dispatchers (REMINDER_SLOTS_CHANNEL). */
export async function listenForReminderSlots(sql: CallSql = callSql()): Promise<() => Promise<void>> {
  return sql.listen(REMINDER_SLOTS_CHANNEL, { notify: slotFreed, reconnected: slotFreed });
}

/**
 * Dispatches one reminder; at the cap it waits here for a place instead of failing into the queue's retry:
 * only the few dispatch workers wait, the thousands of jobs behind them stay queued at no cost, and a freed
 * place (a reminder call's end NOTIFYs) is taken at once instead of up to 10 s later. Throws what dispatch
 * throws (throttling: the queue retries the same job later), and at the cap once `waitMs` has passed.
 */
export async function dispatchWithinCap(
  dispatch: (job: ReminderJob) => Promise<DispatchResult>,
  job: ReminderJob,
  options: { waitMs?: number; lookMs?: number } = {},
): Promise<DispatchResult> {
  const giveUpAt = Date.now() + (options.waitMs ?? CAPACITY_WAIT_MS);
  for (;;) {
    try {
      return await dispatch(job);
    } catch (error) {
      if (!(error instanceof ReminderCapacityReached) || Date.now() >= giveUpAt) throw error;
      await nextSlot(Math.min(options.lookMs ?? CAPACITY_LOOK_MS, giveUpAt - Date.now()));
    }
  }
}

export async function handleReminderDispatchJobs(jobs: PgBoss.Job<ReminderJob>[]): Promise<void> {
  for (const job of jobs) {
    const result = await dispatchWithinCap((data) => reminders().dispatch(data), job.data);
    logger.info({ reminderId: job.data.reminderId, attempt: job.data.attempt, result }, "reminder dispatch");
  }
}

export async function handleReminderSweep(): Promise<void> {
  const result = await reminders().sweep();
  if (result.scheduled || result.stuck) logger.info(result, "reminder sweep");
}
