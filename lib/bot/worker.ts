// The bot-notification job handler: applies each delivery's notifications in order.
import "server-only";
import type PgBoss from "pg-boss";
import { getDb } from "@/lib/db";
import { logger } from "@/lib/logger";
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
