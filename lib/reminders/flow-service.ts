// A reminder call's flow (lib/bot/flows/reminder.ts) as the call runtime runs it (lib/bot/runtime): the runtime
// holds the call, applies its notifications and runs the Graph commands; this file gives it the flow's document,
// its domain actions (confirm, cancel) and writes the outcome, or the retry, with the flow's end.
import "server-only";
import { cancelAppointment, confirmAppointment } from "@/lib/appointments/mutations";
import {
  flowStateSchema,
  nextAttemptAt,
  step,
  type Command,
  type FlowEvent,
  type FlowState,
} from "@/lib/bot/flows/reminder";
import { defineFlow, type CommitContext, type FlowCall } from "@/lib/bot/runtime/flow";
import type { Sql } from "@/lib/bot/runtime/sql";
import { isLiveAppointment } from "@/lib/constants";
import type { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { PROMPT_LOCALES, spokenAppointmentSchema, type SpokenAppointment } from "@/lib/prompts/texts";
import { z } from "zod";
import { REMINDER_SLOTS_CHANNEL } from "./dispatch-service";
import { queueDispatch } from "./schedule-service";
import type { ReminderContext } from "./service";
import { retryAllowed } from "./timing";

/**
 * a reminder call whose flow has not moved for this long has lost its driver: longer than any wait the flow
 * knows (ringing, a prompt, the keypad timeout, reception's phone ringing on a transfer)
 */
export const STALLED_AFTER_MS = 5 * 60_000;

/** A reminder call's document (Call.flow): the flow's state and what its actions need, set when it is dialled. */
export interface ReminderCallFlow {
  state: FlowState;
  reminderId: string;
  /** Reminder.attempts of this call */
  attempt: number;
  /** the patient's prompt language */
  locale: (typeof PROMPT_LOCALES)[number];
  /** what the prompts say the call is about: the day and time in the patient's zone, the clinician */
  about: SpokenAppointment | null;
}

const reminderCallFlowSchema = z.object({
  state: flowStateSchema,
  reminderId: z.uuid(),
  attempt: z.number().int().min(1),
  locale: z.enum(PROMPT_LOCALES),
  // calls dialled before the prompts named the appointment have none
  about: spokenAppointmentSchema.nullable().default(null),
}) satisfies z.ZodType<ReminderCallFlow>;

/** The call runtime's definition of a reminder call (Call.purpose REMINDER), bound to the service's dependencies. */
export function reminderCallFlow(context: ReminderContext) {
  const { deps, db, now, actor, retry, window } = context;

  /** The patient's answer on the keypad: the appointment confirmed or cancelled. */
  async function act(call: FlowCall, flow: ReminderCallFlow, action: "confirm" | "cancel"): Promise<FlowEvent[]> {
    const appointmentId = call.appointmentId!;
    let cancelled = false;
    try {
      if (action === "confirm") await confirmAppointment(db, actor, appointmentId, now());
      // the patient's own cancellation: the type's cutoff applies, as on their link
      else ({ cancelled } = await cancelAppointment(db, actor, appointmentId, now(), { enforceCutoff: true }));
    } catch (error) {
      logger.warn({ reminderId: flow.reminderId, code: (error as AppError).code }, `${action} by phone failed`);
      return [{ type: "actionFailed", action }];
    }
    if (action === "cancel") await deps.announceChange({ appointmentId, kind: "cancelled", replayed: !cancelled });
    return [{ type: "actionDone", action }];
  }

  /**
   * The call is over: the reminder's outcome and its audit row, or a retry when nobody answered — in the
   * transaction that saves the flow's end, so a crash cannot finish it twice.
   */
  async function finish(
    sql: Sql,
    call: FlowCall,
    flow: ReminderCallFlow,
    command: Extract<Command, { type: "finish" }>,
    { after }: CommitContext,
  ): Promise<FlowEvent[]> {
    const { reminderId, attempt } = flow;
    if (command.retry) {
      const [appointment] = await sql.query<{ version: number; status: string; startsAt: Date; timeZone: string }>(
        `SELECT a.version, a.status::text AS status, a."startsAt", p."timeZone"
         FROM "Appointment" a JOIN "Patient" p ON p.id = a."patientId" WHERE a.id = $1::uuid`,
        [call.appointmentId],
      );
      const [reminder] = await sql.query<{ appointmentVersion: number }>(
        `SELECT "appointmentVersion" FROM "Reminder" WHERE id = $1::uuid`,
        [reminderId],
      );
      const at = nextAttemptAt(attempt, now(), retry);
      if (
        appointment &&
        reminder &&
        at &&
        appointment.version === reminder.appointmentVersion &&
        isLiveAppointment(appointment.status) &&
        retryAllowed(at, appointment.startsAt, appointment.timeZone, window)
      ) {
        // its place under the cap is free again: a waiting dispatcher is woken (at commit)
        const [updated] = await sql.query<{ appointmentId: string; appointmentVersion: number }>(
          `UPDATE "Reminder" SET status = 'SCHEDULED', "dueAt" = $3, detail = $4, "updatedAt" = now()
           WHERE id = $1::uuid AND status = 'CALLING' AND attempts = $2
           RETURNING "appointmentId"::text AS "appointmentId", "appointmentVersion", pg_notify($5, '')::text AS woken`,
          [reminderId, attempt, at, command.reason, REMINDER_SLOTS_CHANNEL],
        );
        if (updated) {
          // queued once the retry is committed; were that lost, the sweep queues due reminders again
          after(() => queueDispatch(context, { id: reminderId, ...updated, attempts: attempt, dueAt: at }));
          logger.info({ reminderId, attempt, reason: command.reason }, "reminder retry");
        }
        return [];
      }
    }
    // the outcome, its audit row and the wake-up of a dispatcher waiting for a place under the cap: one statement
    await sql.query(
      `WITH done AS (
         UPDATE "Reminder" SET status = 'DONE', outcome = $2::"ReminderOutcome", detail = $3, "finishedAt" = $4,
           "updatedAt" = now()
         WHERE id = $1::uuid AND status = 'CALLING' RETURNING id),
       woke AS (SELECT pg_notify($5, '') FROM done)
       INSERT INTO "AuditLog" ("actorId", "actorLabel", ip, action, "entityType", "entityId", details)
       SELECT NULL, $6, NULL, $7, 'Appointment', $8, $9::jsonb FROM done, woke`,
      [
        reminderId,
        command.outcome,
        command.reason,
        now(),
        REMINDER_SLOTS_CHANNEL,
        actor.label,
        "reminder.outcome",
        call.appointmentId,
        JSON.stringify({ reminderId, outcome: command.outcome, attempts: attempt }),
      ],
    );
    logger.info({ reminderId, outcome: command.outcome }, "reminder finished");
    return [];
  }

  type Domain = Extract<Command, { type: "confirm" | "cancel" | "finish" }>;

  return defineFlow<ReminderCallFlow, FlowEvent, Domain | Exclude<Command, Domain>>({
    schema: reminderCallFlowSchema,
    // the document is written when the call is placed; a reminder call without one has no flow to run
    initial: () => null,
    step(document, event) {
      const { state, commands } = step(document.state, event as FlowEvent);
      return {
        document: state === document.state ? document : { ...document, state },
        // every prompt is said about this call's appointment
        commands: commands.map((c) => (c.type === "play" ? { ...c, about: document.about } : c)),
      };
    },
    locale: (document) => document.locale,
    context: "reminder",
    commits: new Set(["finish"]),
    commit: (sql, call, document, command, context) =>
      command.type === "finish" ? finish(sql, call, document, command, context) : Promise.resolve([]),
    act: (call, document, command) =>
      command.type === "confirm" || command.type === "cancel" ? act(call, document, command.type) : Promise.resolve([]),
    finished: (document) => document.state.step === "done" && document.state.outcome !== null,
    stallAfterMs: STALLED_AFTER_MS,
  });
}
