// Every committed change to an appointment is announced here, and this one subscriber decides which jobs
// follow: the Teams meeting's sync, the patient's messages (their rows were written by the change itself,
// lib/patient-messages/outbox.ts). The clinician's Outlook event is queued by the meeting's sync when it
// finishes (lib/jobs/worker.ts), since the event carries the meeting's join link. A replay — a request
// resent with its idempotency key, a cancel of a cancelled appointment — changed nothing and queues nothing.
// Queueing may fail without undoing the change: the sweeps find what is behind and queue it.
import "server-only";
import { enqueueMeetingSync } from "@/lib/jobs/boss";
import { logger } from "@/lib/logger";
import { sendChangeMessagesSoon } from "@/lib/patient-messages/jobs";

type AppointmentChangeKind = "booked" | "rescheduled" | "cancelled" | "meetingRetried" | "messagesResent";

export interface AppointmentChange {
  appointmentId: string;
  kind: AppointmentChangeKind;
  /** true when the request changed nothing (a replay, or the change was already made) */
  replayed: boolean;
}

export interface AppointmentWork {
  meetingSync: boolean;
  patientMessages: boolean;
}

const WORK_BY_KIND: Record<AppointmentChangeKind, AppointmentWork> = {
  // a new time, a new place or none: the meeting follows, the patient is told
  booked: { meetingSync: true, patientMessages: true },
  rescheduled: { meetingSync: true, patientMessages: true },
  cancelled: { meetingSync: true, patientMessages: true },
  // staff's retry of a failed meeting
  meetingRetried: { meetingSync: true, patientMessages: false },
  // staff's "send again": copies of the current message
  messagesResent: { meetingSync: false, patientMessages: true },
};

const NOTHING: AppointmentWork = { meetingSync: false, patientMessages: false };

export function workFor(change: AppointmentChange): AppointmentWork {
  return change.replayed ? NOTHING : WORK_BY_KIND[change.kind];
}

/** Where the work goes: the job queue in the app, a recorder in tests. */
export interface AppointmentWorkQueue {
  meetingSync(appointmentId: string): Promise<void>;
  /** the jobs of the appointment's current version's waiting messages */
  patientMessages(appointmentId: string): Promise<void>;
}

const jobQueue: AppointmentWorkQueue = {
  meetingSync: enqueueMeetingSync,
  patientMessages: sendChangeMessagesSoon,
};

export async function announceAppointmentChange(
  change: AppointmentChange,
  queue: AppointmentWorkQueue = jobQueue,
): Promise<void> {
  const work = workFor(change);
  const { appointmentId, kind } = change;
  if (work.meetingSync) {
    try {
      await queue.meetingSync(appointmentId);
    } catch (error) {
      logger.warn({ err: error, appointmentId, kind }, "could not queue meeting sync; the sweep will pick it up");
    }
  }
  if (work.patientMessages) {
    try {
      await queue.patientMessages(appointmentId);
    } catch (error) {
      logger.warn({ err: error, appointmentId, kind }, "could not queue patient messages; the sweep will");
    }
  }
}
