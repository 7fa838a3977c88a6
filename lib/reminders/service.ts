// Reminder calls: scheduling with exactly-one semantics, dispatch under a concurrency cap, and the call's flow
// (lib/bot/flows/reminder.ts) as the call runtime runs it (lib/bot/runtime): the runtime holds the call, applies
// its notifications and runs the Graph commands; this file gives it the flow's domain actions (confirm, cancel)
// and writes the outcome with the flow's end.
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
import { recordAudit, systemActor, type AuditActor } from "@/lib/audit/mutations";
import { cancelAppointment, confirmAppointment } from "@/lib/appointments/mutations";
import { clinicLineInstance } from "@/lib/bot/meeting-calls";
import {
  DEFAULT_RETRY,
  flowStateSchema,
  initialFlowState,
  nextAttemptAt,
  step,
  type Command,
  type FlowEvent,
  type FlowState,
  type RetryPolicy,
} from "@/lib/bot/flows/reminder";
import { auditInTransaction } from "@/lib/bot/runtime/audit";
import { defineFlow, type AfterCommit, type FlowCall } from "@/lib/bot/runtime/flow";
import type { Sql } from "@/lib/bot/runtime/sql";
import { wakeCall } from "@/lib/bot/runtime/wake";
import { maskPhone, normaliseGraphId } from "@/lib/bot/schema";
import { AppError, BrandedError } from "@/lib/errors";
import type { Prisma, PrismaClient, Reminder } from "@/lib/generated/prisma/client";
import { isOutcomeUnknown, type CreateCallInput } from "@/lib/graph/calls";
import type { CallsApi } from "@/lib/graph/gateway";
import { logger } from "@/lib/logger";
import { PROMPT_LOCALES, promptLocaleFor } from "@/lib/prompts/texts";
import { z } from "zod";
import { DEFAULT_WAKING_HOURS, planReminder, retryAllowed, type WakingHours } from "./timing";

export interface ReminderJob {
  reminderId: string;
  /** Reminder.attempts when the job was queued: the claim only succeeds for that attempt */
  attempt: number;
}

export interface ReminderScheduler {
  /** Queue a dispatch at `at` (pg-boss startAfter), collapsing duplicates with the same singletonKey. */
  dispatch(job: ReminderJob, options: { at: Date; singletonKey: string }): Promise<void>;
}

export interface ReminderDeps {
  db: PrismaClient;
  calls: Pick<CallsApi, "create">;
  /** PUBLIC_BASE_URL + /api/calls/notifications */
  callbackUri: string;
  tenantId: string;
  scheduler: ReminderScheduler;
  /** a cancelled appointment's Teams meeting must be deleted */
  enqueueMeetingSync(appointmentId: string): Promise<void>;
  /** CLINIC_LINE_APPLICATION_INSTANCE_ID, required for phone calls against Microsoft */
  clinicLineInstanceId?: string;
  emulator: boolean;
  /** never more reminder calls at once than this (Microsoft allows 100 concurrent calls per app) */
  maxConcurrentCalls?: number;
  retry?: RetryPolicy;
  wakingHours?: WakingHours;
  now?: () => Date;
}

export const DEFAULT_MAX_CONCURRENT_CALLS = 20;
/** a CALLING claim older than this no longer counts against the cap (a crash mid-call) */
const STUCK_AFTER_MS = 30 * 60_000;
/** a claim with no call after this long was cut off while placing it (Graph and the write retry for less) */
const INTERRUPTED_AFTER_MS = 5 * 60_000;
/**
 * a reminder call whose flow has not moved for this long has lost its driver: longer than any wait the flow
 * knows (ringing, a prompt, the keypad timeout, reception's phone ringing on a transfer)
 */
export const STALLED_AFTER_MS = 5 * 60_000;
const ADVISORY_LOCK_KEY = 7_412_001;
const LIVE_APPOINTMENT = ["BOOKED", "CONFIRMED"];

export type DispatchResult = "placed" | "not-claimed" | "skipped" | "at-capacity" | "missing" | "failed";

export class ReminderCapacityReached extends BrandedError {
  static override readonly brand: string = "consulta.ReminderCapacityReached";
  constructor() {
    super("reminder call capacity reached");
    this.name = "ReminderCapacityReached";
  }
}

/** A reminder call's document (Call.flow): the flow's state and what its actions need, set when it is dialled. */
export interface ReminderCallFlow {
  state: FlowState;
  reminderId: string;
  /** Reminder.attempts of this call */
  attempt: number;
  /** the patient's prompt language */
  locale: (typeof PROMPT_LOCALES)[number];
}

const reminderCallFlowSchema = z.object({
  state: flowStateSchema,
  reminderId: z.uuid(),
  attempt: z.number().int().min(1),
  locale: z.enum(PROMPT_LOCALES),
}) satisfies z.ZodType<ReminderCallFlow>;

const singletonKeyFor = (r: Pick<Reminder, "appointmentId" | "appointmentVersion" | "attempts">, suffix = "") =>
  `${r.appointmentId}:${r.appointmentVersion}:${r.attempts}${suffix}`;

/**
 * Runs a database write that must not be lost because a call was already placed (or must be released):
 * while the database is unreachable (a restart, a failover) it is tried again for up to `forMs`.
 */
async function persistently<T>(work: () => Promise<T>, forMs = 60_000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 4_000)) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() + delay > deadline) throw error;
      logger.warn({ err: error instanceof Error ? error.name : "error" }, "database write failed; trying again");
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function isTransient(error: unknown): boolean {
  const status = (error as { status?: number } | null)?.status;
  return status === undefined || status === 429 || status >= 500;
}

export function reminderService(deps: ReminderDeps) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const actor: AuditActor = systemActor("reminder-call");
  const cap = deps.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS;
  const retry = deps.retry ?? DEFAULT_RETRY;
  const window = deps.wakingHours ?? DEFAULT_WAKING_HOURS;

  async function loadAppointment(appointmentId: string) {
    return db.appointment.findUnique({
      where: { id: appointmentId },
      include: {
        appointmentType: { select: { reminderLeadMinutes: true } },
        patient: { select: { phone: true, teamsUserId: true, timeZone: true, locale: true } },
      },
    });
  }

  async function skipStale(appointmentId: string, currentVersion: number | null, detail: string) {
    await db.reminder.updateMany({
      where: {
        appointmentId,
        status: "SCHEDULED",
        ...(currentVersion === null ? {} : { appointmentVersion: { not: currentVersion } }),
      },
      data: { status: "SKIPPED", detail, finishedAt: now() },
    });
  }

  async function queue(
    reminder: Pick<Reminder, "id" | "appointmentId" | "appointmentVersion" | "attempts" | "dueAt">,
    suffix = "",
  ) {
    await deps.scheduler.dispatch(
      { reminderId: reminder.id, attempt: reminder.attempts },
      { at: reminder.dueAt, singletonKey: singletonKeyFor(reminder, suffix) },
    );
  }

  /**
   * Makes sure the appointment's current version has its reminder row and queued job (idempotent).
   * Call after booking or rescheduling; the sweep does it for anything missed.
   */
  async function scheduleReminder(appointmentId: string): Promise<Reminder | null> {
    const appointment = await loadAppointment(appointmentId);
    if (!appointment) return null;
    if (!LIVE_APPOINTMENT.includes(appointment.status)) {
      await skipStale(appointmentId, null, "appointment no longer live");
      return null;
    }
    await skipStale(appointmentId, appointment.version, "appointment moved");
    const plan = planReminder({
      startsAt: appointment.startsAt,
      leadMinutes: appointment.appointmentType.reminderLeadMinutes,
      timeZone: appointment.patient.timeZone,
      now: now(),
      window,
    });
    if ("skip" in plan) {
      if (plan.skip === "no-lead") return null;
      await db.reminder.createMany({
        skipDuplicates: true,
        data: {
          appointmentId,
          appointmentVersion: appointment.version,
          dueAt: now(),
          status: "SKIPPED",
          detail: "no waking-hours time left before the appointment",
          finishedAt: now(),
        },
      });
      return db.reminder.findUnique({
        where: { appointmentId_appointmentVersion: { appointmentId, appointmentVersion: appointment.version } },
      });
    }
    await db.reminder.createMany({
      skipDuplicates: true,
      data: { appointmentId, appointmentVersion: appointment.version, dueAt: plan.dueAt },
    });
    const reminder = await db.reminder.findUniqueOrThrow({
      where: { appointmentId_appointmentVersion: { appointmentId, appointmentVersion: appointment.version } },
    });
    if (reminder.status === "SCHEDULED") await queue(reminder);
    return reminder;
  }

  /** Staff: call the patient now (also again after an earlier outcome, unless a call is in progress). */
  async function remindNow(appointmentId: string, by: AuditActor): Promise<Reminder> {
    const appointment = await loadAppointment(appointmentId);
    if (!appointment) throw new AppError("NOT_FOUND", "Appointment not found.");
    if (!LIVE_APPOINTMENT.includes(appointment.status) || appointment.startsAt <= now())
      throw new AppError("UNPROCESSABLE", "Only upcoming appointments get reminder calls.");
    if (!appointment.patient.phone && !appointment.patient.teamsUserId)
      throw new AppError("UNPROCESSABLE", "The patient has no phone number or Teams account to call.");
    await skipStale(appointmentId, appointment.version, "appointment moved");
    const at = now();
    await db.reminder.createMany({
      skipDuplicates: true,
      data: { appointmentId, appointmentVersion: appointment.version, dueAt: at },
    });
    const key = { appointmentId_appointmentVersion: { appointmentId, appointmentVersion: appointment.version } };
    const current = await db.reminder.findUniqueOrThrow({ where: key });
    if (current.status === "CALLING") throw new AppError("CONFLICT", "A reminder call is already in progress.");
    const updated = await db.reminder.updateMany({
      where: { id: current.id, status: { not: "CALLING" }, attempts: current.attempts },
      data: { status: "SCHEDULED", dueAt: at, outcome: null, detail: null, finishedAt: null, requestedById: by.id },
    });
    if (updated.count !== 1) throw new AppError("CONFLICT", "A reminder call is already in progress.");
    const reminder = await db.reminder.findUniqueOrThrow({ where: { id: current.id } });
    await queue(reminder, `:now:${at.getTime()}`);
    await recordAudit(
      db,
      by,
      "reminder.remind-now",
      { type: "Appointment", id: appointmentId },
      {
        reminderId: reminder.id,
      },
    );
    return reminder;
  }

  /** Claims the row under the cap. Returns the claimed row, or why not. */
  /** Reminder calls in progress that count against the cap (a claim older than STUCK_AFTER_MS no longer does). */
  function callsInProgress(client: Pick<PrismaClient, "reminder"> = db): Promise<number> {
    return client.reminder.count({
      where: { status: "CALLING", claimedAt: { gt: new Date(now().getTime() - STUCK_AFTER_MS) } },
    });
  }

  /** A cheap look before a claim: is a call slot free right now? (The claim decides, under its lock.) */
  async function hasCapacity(): Promise<boolean> {
    return (await callsInProgress()) < cap;
  }

  async function claim(job: ReminderJob): Promise<Reminder | "not-claimed" | "at-capacity"> {
    return db.$transaction(async (tx) => {
      // one claimer at a time across all workers, so the count below cannot be raced
      await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(${ADVISORY_LOCK_KEY}::bigint)`;
      if ((await callsInProgress(tx)) >= cap) return "at-capacity";
      const claimed = await tx.reminder.updateMany({
        where: { id: job.reminderId, status: "SCHEDULED", attempts: job.attempt },
        data: {
          status: "CALLING",
          attempts: { increment: 1 },
          claimedAt: now(),
          callId: null,
          graphCallId: null,
        },
      });
      if (claimed.count !== 1) return "not-claimed";
      return tx.reminder.findUniqueOrThrow({ where: { id: job.reminderId } });
    });
  }

  async function release(reminder: Reminder) {
    // undo the claim so the queue's retry (or the sweep) can claim the same attempt again
    await db.reminder.updateMany({
      where: { id: reminder.id, status: "CALLING", attempts: reminder.attempts },
      data: { status: "SCHEDULED", attempts: reminder.attempts - 1, claimedAt: null },
    });
  }

  async function finishReminder(reminderId: string, data: Prisma.ReminderUpdateManyMutationInput) {
    await db.reminder.updateMany({ where: { id: reminderId }, data: { ...data, finishedAt: now() } });
  }

  /** The dispatch job: re-check, claim, dial. Throws on transient failures so the queue retries. */
  async function dispatch(job: ReminderJob): Promise<DispatchResult> {
    const row = await db.reminder.findUnique({ where: { id: job.reminderId } });
    if (!row) return "missing";
    if (row.status !== "SCHEDULED" || row.attempts !== job.attempt) return "not-claimed";
    const appointment = await loadAppointment(row.appointmentId);
    if (
      !appointment ||
      appointment.version !== row.appointmentVersion ||
      !LIVE_APPOINTMENT.includes(appointment.status) ||
      appointment.startsAt <= now()
    ) {
      await db.reminder.updateMany({
        where: { id: row.id, status: "SCHEDULED" },
        data: { status: "SKIPPED", detail: "appointment moved, cancelled or past", finishedAt: now() },
      });
      logger.info({ reminderId: row.id, appointmentId: row.appointmentId }, "reminder skipped: stale");
      return "skipped";
    }
    const { phone, teamsUserId } = appointment.patient;
    if (!phone && !teamsUserId) {
      await db.reminder.updateMany({
        where: { id: row.id, status: "SCHEDULED" },
        data: { status: "SKIPPED", detail: "no phone number or Teams account", finishedAt: now() },
      });
      return "skipped";
    }
    let input: CreateCallInput;
    if (phone) {
      const instance = clinicLineInstance(deps);
      if (!instance) {
        await finishReminder(row.id, { status: "DONE", outcome: "FAILED", detail: "clinic line not configured" });
        return "failed";
      }
      input = { kind: "phone", phone, applicationInstanceId: instance, callbackUri: deps.callbackUri };
    } else {
      input = { kind: "user", userId: teamsUserId!, callbackUri: deps.callbackUri };
    }
    input.tenantId = deps.tenantId;

    const claimed = await claim(job);
    if (claimed === "at-capacity") throw new ReminderCapacityReached();
    if (claimed === "not-claimed") return "not-claimed";

    let remote;
    try {
      remote = await deps.calls.create(input);
    } catch (error) {
      const status = (error as { status?: number }).status ?? null;
      if (isOutcomeUnknown(error)) {
        // A 5xx, a timeout or a lost connection may come after Graph placed the call: dialling again could
        // ring the phone twice. The attempt ends here; a call that exists all the same is hung up by the
        // drain, which finds no row for it.
        await finishReminder(row.id, {
          status: "DONE",
          outcome: "FAILED",
          detail: `placing the call failed (${status}); not dialled again, the phone may have rung`,
        });
        logger.warn({ reminderId: row.id, status }, "reminder call outcome unknown; not dialled again");
        return "failed";
      }
      if (isTransient(error)) {
        // throttled (Graph did nothing) or not sent at all: the queue tries again later
        await persistently(() => release(claimed));
        logger.warn({ reminderId: row.id, status }, "reminder call not placed yet; will retry");
        throw error;
      }
      await finishReminder(row.id, { status: "DONE", outcome: "FAILED", detail: `call refused (${status})` });
      logger.warn({ reminderId: row.id, status }, "reminder call refused");
      return "failed";
    }
    const graphCallId = normaliseGraphId(remote.id);
    // the call is placed: its link to the reminder must survive a database that is briefly away, or the
    // flow could never run (a crash right here is the one window left; the sweep closes such rows)
    const flow: ReminderCallFlow = {
      state: initialFlowState(),
      reminderId: row.id,
      attempt: claimed.attempts,
      locale: promptLocaleFor(appointment.patient.locale),
    };
    await persistently(() =>
      db.$transaction(async (tx) => {
        const call = await tx.call.create({
          data: {
            graphCallId,
            direction: "OUTGOING",
            purpose: "REMINDER",
            peerToPeer: true,
            state: remote.state ?? "establishing",
            appointmentId: appointment.id,
            counterpart: phone ? maskPhone(phone) : "Teams",
            flow: flow as unknown as Prisma.InputJsonValue,
            flowAt: now(),
          },
        });
        await tx.reminder.update({ where: { id: row.id }, data: { callId: call.id, graphCallId } });
        await recordAudit(
          tx,
          actor,
          "reminder.call",
          { type: "Appointment", id: appointment.id },
          {
            reminderId: row.id,
            callId: call.id,
            attempt: claimed.attempts,
          },
        );
        // its first notifications usually came before Graph's answer: the runtime applies them now
        await wakeCall(tx, graphCallId);
      }),
    );
    logger.info({ reminderId: row.id, callId: graphCallId, attempt: claimed.attempts }, "reminder call placed");
    return "placed";
  }

  // --- the call's flow ------------------------------------------------------------------------------

  /** The patient's answer on the keypad: the appointment confirmed or cancelled. */
  async function act(call: FlowCall, flow: ReminderCallFlow, action: "confirm" | "cancel"): Promise<FlowEvent[]> {
    const appointmentId = call.appointmentId!;
    try {
      if (action === "confirm") await confirmAppointment(db, actor, appointmentId, now());
      // the patient's own cancellation: the type's cutoff applies, as on their link
      else await cancelAppointment(db, actor, appointmentId, now(), { enforceCutoff: true });
    } catch (error) {
      logger.warn({ reminderId: flow.reminderId, code: (error as AppError).code }, `${action} by phone failed`);
      return [{ type: "actionFailed", action }];
    }
    if (action === "cancel") {
      try {
        await deps.enqueueMeetingSync(appointmentId);
      } catch (error) {
        // the meeting sweep finds the cancelled appointment's meeting later
        logger.warn({ err: error, appointmentId }, "meeting sync not queued after cancel");
      }
    }
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
    after: AfterCommit,
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
        LIVE_APPOINTMENT.includes(appointment.status) &&
        retryAllowed(at, appointment.startsAt, appointment.timeZone, window)
      ) {
        const [updated] = await sql.query<{ appointmentId: string; appointmentVersion: number }>(
          `UPDATE "Reminder" SET status = 'SCHEDULED', "dueAt" = $3, detail = $4, "updatedAt" = now()
           WHERE id = $1::uuid AND status = 'CALLING' AND attempts = $2
           RETURNING "appointmentId"::text AS "appointmentId", "appointmentVersion"`,
          [reminderId, attempt, at, command.reason],
        );
        if (updated) {
          // queued once the retry is committed; were that lost, the sweep queues due reminders again
          after(() => queue({ id: reminderId, ...updated, attempts: attempt, dueAt: at }));
          logger.info({ reminderId, attempt, reason: command.reason }, "reminder retry");
        }
        return [];
      }
    }
    const finished = await sql.query(
      `UPDATE "Reminder" SET status = 'DONE', outcome = $2::"ReminderOutcome", detail = $3, "finishedAt" = $4,
         "updatedAt" = now()
       WHERE id = $1::uuid AND status = 'CALLING' RETURNING id`,
      [reminderId, command.outcome, command.reason, now()],
    );
    if (finished.length)
      await auditInTransaction(
        sql,
        actor,
        "reminder.outcome",
        { type: "Appointment", id: call.appointmentId },
        { reminderId, outcome: command.outcome, attempts: attempt },
      );
    logger.info({ reminderId, outcome: command.outcome }, "reminder finished");
    return [];
  }

  type Domain = Extract<Command, { type: "confirm" | "cancel" | "finish" }>;

  /** The call runtime's definition of a reminder call (Call.purpose REMINDER). */
  const flow = defineFlow<ReminderCallFlow, FlowEvent, Domain | Exclude<Command, Domain>>({
    schema: reminderCallFlowSchema,
    // the document is written when the call is placed; a reminder call without one has no flow to run
    initial: () => null,
    step(document, event) {
      const { state, commands } = step(document.state, event as FlowEvent);
      return { document: state === document.state ? document : { ...document, state }, commands };
    },
    locale: (document) => document.locale,
    context: "reminder",
    commits: new Set(["finish"]),
    commit: (sql, call, document, command, after) =>
      command.type === "finish" ? finish(sql, call, document, command, after) : Promise.resolve([]),
    act: (call, document, command) =>
      command.type === "confirm" || command.type === "cancel" ? act(call, document, command.type) : Promise.resolve([]),
    finished: (document) => document.state.step === "done" && document.state.outcome !== null,
    stallAfterMs: STALLED_AFTER_MS,
  });

  /** Periodic safety net: reminders for upcoming appointments, due rows re-queued, stuck calls closed. */
  async function sweep(horizonDays = 8): Promise<{ scheduled: number; queued: number; stuck: number }> {
    const at = now();
    const upcoming = await db.appointment.findMany({
      where: {
        status: { in: ["BOOKED", "CONFIRMED"] },
        startsAt: { gt: at, lt: new Date(at.getTime() + horizonDays * 86_400_000) },
        appointmentType: { reminderLeadMinutes: { not: null } },
        OR: [{ patient: { phone: { not: null } } }, { patient: { teamsUserId: { not: null } } }],
      },
      select: { id: true, version: true, reminders: { select: { appointmentVersion: true } } },
      take: 500,
    });
    let scheduled = 0;
    for (const a of upcoming) {
      if (a.reminders.some((r) => r.appointmentVersion === a.version)) continue;
      if (await scheduleReminder(a.id)) scheduled++;
    }
    const due = await db.reminder.findMany({ where: { status: "SCHEDULED", dueAt: { lte: at } }, take: 500 });
    for (const r of due) await queue(r);
    const stuck = await db.reminder.updateMany({
      where: { status: "CALLING", claimedAt: { lt: new Date(at.getTime() - STUCK_AFTER_MS) } },
      data: { status: "DONE", outcome: "FAILED", detail: "call did not finish", finishedAt: at },
    });
    // claimed but never linked to a call: the process died while placing it. Whether the phone rang is
    // unknown, so it is not dialled again (never twice); the outcome says so and frees the cap's slot.
    const interrupted = await db.reminder.updateMany({
      where: { status: "CALLING", graphCallId: null, claimedAt: { lt: new Date(at.getTime() - INTERRUPTED_AFTER_MS) } },
      data: { status: "DONE", outcome: "FAILED", detail: "interrupted while placing the call", finishedAt: at },
    });
    return { scheduled, queued: due.length, stuck: stuck.count + interrupted.count };
  }

  return { scheduleReminder, remindNow, dispatch, hasCapacity, sweep, flow };
}

export type ReminderService = ReturnType<typeof reminderService>;
