// Job handlers for patient messages (started by lib/jobs/worker.ts) and the "send soon" hook the request
// paths call after a change commits. They log ids only.
import "server-only";
import type PgBoss from "pg-boss";
import { getDb } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { enqueuePatientMessage } from "@/lib/jobs/boss";
import { logger } from "@/lib/logger";
import { closeInterrupted, dueMessages, queueDueReminders } from "./mutations";
import { deliverMessage } from "./service";
import { messageTransports } from "./gateways";

export interface PatientMessageJob {
  messageId: string;
}

export async function handlePatientMessageJobs(jobs: PgBoss.Job<PatientMessageJob>[]): Promise<void> {
  for (const job of jobs) {
    const outcome = await deliverMessage(getDb(), messageTransports(), job.data.messageId, new Date());
    if (outcome.result === "retry") {
      const row = await getDb().patientMessage.findUnique({
        where: { id: job.data.messageId },
        select: { id: true, attempts: true },
      });
      // if this send fails the sweep finds the row when its time comes
      if (row) await enqueuePatientMessage(row, outcome.at).catch(() => undefined);
    }
    logger.info({ messageId: job.data.messageId, result: outcome.result }, "patient message job");
  }
}

/** The sweep (every minute): reminders that came due, rows without a job, interrupted sends. */
export async function handlePatientMessageSweep(): Promise<void> {
  const db = getDb();
  const now = new Date();
  const reminderTime = serverEnv().PATIENT_REMINDER_TIME;
  const reminders = reminderTime === "off" ? [] : await queueDueReminders(db, reminderTime, now);
  const due = await dueMessages(db, now);
  for (const message of due) await enqueuePatientMessage(message);
  const interrupted = await closeInterrupted(db, now);
  if (reminders.length || interrupted)
    logger.info({ reminders: reminders.length, queued: due.length, interrupted }, "patient message sweep");
}

/**
 * After a change committed its message rows (lib/patient-messages/outbox.ts): queue them now rather than at
 * the next sweep (lib/appointments/jobs.ts decides when). Only the appointment's current version's rows:
 * an older version's waiting rows are superseded, and the sweep closes them. A failure here loses nothing —
 * the rows are there, and the sweep queues them.
 */
export async function sendChangeMessagesSoon(appointmentId: string): Promise<void> {
  const rows = await getDb().$queryRaw<{ id: string; attempts: number }[]>`
    SELECT m.id::text AS id, m.attempts FROM "PatientMessage" m
    JOIN "Appointment" a ON a.id = m."appointmentId" AND a.version = m."appointmentVersion"
    WHERE m."appointmentId" = ${appointmentId}::uuid AND m.state = 'QUEUED' AND m.attempts = 0`;
  for (const row of rows) await enqueuePatientMessage(row);
}
