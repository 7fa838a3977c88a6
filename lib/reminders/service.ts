// Reminder calls: scheduling with exactly-one semantics, dispatch under a concurrency cap, and the call's flow
// (lib/bot/flows/reminder.ts) as the call runtime runs it (lib/bot/runtime). This file binds the three to one
// set of dependencies; each lives in its own module:
// - schedule-service.ts: the reminder rows and their queued jobs (after a change, "remind now", the sweep);
// - dispatch-service.ts: the claim under the cap, placing the call and recording it;
// - flow-service.ts: the flow's domain actions (confirm, cancel) and the outcome written with the flow's end.
//
// Exactly one call per appointment version:
// - one Reminder row per (appointmentId, appointmentVersion) (unique), created with ON CONFLICT DO NOTHING;
// - its job carries the attempt number and is queued with singletonKey appointmentId:version:attempt, so
//   duplicate scheduling collapses in the queue;
// - before dialing, the row is claimed with a conditional update (status SCHEDULED and attempts = the job's
//   attempt → CALLING, attempts + 1): a second job for the same attempt finds nothing to claim;
// - the claim re-reads the appointment: moved (version differs) or no longer live → SKIPPED, never dialed.
// The cap: the claim runs under a transaction-scoped advisory lock that counts the calls in progress.
//
// Tones reach the flow through the runtime, in memory; the flow's document (Call.flow) names steps and
// operation ids only, and nothing here logs a key (emulator/CONTRACT.md#media-persistence).
import "server-only";
import { systemActor, type AuditActor } from "@/lib/audit/mutations";
import type { AppointmentChange } from "@/lib/appointments/jobs";
import { DEFAULT_RETRY, type RetryPolicy } from "@/lib/bot/flows/reminder";
import type { CallSql } from "@/lib/bot/runtime/sql";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { CallsApi } from "@/lib/graph/gateway";
import { DEFAULT_WAKING_HOURS, type WakingHours } from "./timing";
import { DEFAULT_MAX_CONCURRENT_CALLS, reminderDispatch } from "./dispatch-service";
import { reminderCallFlow } from "./flow-service";
import { reminderScheduling } from "./schedule-service";

export interface ReminderJob {
  reminderId: string;
  /** Reminder.attempts when the job was queued: the claim only succeeds for that attempt */
  attempt: number;
}

interface ReminderScheduler {
  /** Queue a dispatch at `at` (pg-boss startAfter), collapsing duplicates with the same singletonKey. */
  dispatch(job: ReminderJob, options: { at: Date; singletonKey: string }): Promise<void>;
}

export interface ReminderDeps {
  db: PrismaClient;
  /** the call runtime's connections (lib/bot/runtime/sql.ts): the claim and the placed call's record use them */
  sql: CallSql;
  calls: Pick<CallsApi, "create">;
  /** PUBLIC_BASE_URL + /api/calls/notifications */
  callbackUri: string;
  tenantId: string;
  scheduler: ReminderScheduler;
  /** the patient's keypad cancelled the appointment: its meeting and messages follow (lib/appointments/jobs.ts) */
  announceChange(change: AppointmentChange): Promise<void>;
  /** CLINIC_LINE_APPLICATION_INSTANCE_ID: phone calls are placed from it; without it none are placed */
  clinicLineInstanceId?: string;
  /** never more reminder calls at once than this (Microsoft allows 100 concurrent calls per app) */
  maxConcurrentCalls?: number;
  retry?: RetryPolicy;
  wakingHours?: WakingHours;
  now?: () => Date;
}

/** The dependencies with their defaults filled in, shared by scheduling, dispatch and the call's flow. */
export interface ReminderContext {
  deps: ReminderDeps;
  db: PrismaClient;
  now: () => Date;
  /** who the audit rows of reminder calls name */
  actor: AuditActor;
  cap: number;
  retry: RetryPolicy;
  window: WakingHours;
}

export function reminderService(deps: ReminderDeps) {
  const context: ReminderContext = {
    deps,
    db: deps.db,
    now: deps.now ?? (() => new Date()),
    actor: systemActor("reminder-call"),
    cap: deps.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS,
    retry: deps.retry ?? DEFAULT_RETRY,
    window: deps.wakingHours ?? DEFAULT_WAKING_HOURS,
  };
  const { scheduleReminder, remindNow, sweep } = reminderScheduling(context);
  return { scheduleReminder, remindNow, dispatch: reminderDispatch(context), sweep, flow: reminderCallFlow(context) };
}

export type ReminderService = ReturnType<typeof reminderService>;
