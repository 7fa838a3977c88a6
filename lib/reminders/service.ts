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
import type { AppointmentChange } from "@/lib/appointments/jobs";
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
import { defineFlow, type CommitContext, type FlowCall } from "@/lib/bot/runtime/flow";
import { CALLS_CHANNEL, type CallSql, type Sql } from "@/lib/bot/runtime/sql";
import { maskPhone, normaliseGraphId } from "@/lib/bot/schema";
import { AppError, BrandedError } from "@/lib/errors";
import type { Prisma, PrismaClient, Reminder } from "@/lib/generated/prisma/client";
import { isOutcomeUnknown, type CreateCallInput } from "@/lib/graph/calls";
import type { CallsApi } from "@/lib/graph/gateway";
import { graphStatusOf, isTransientGraphFailure } from "@/lib/graph/errors";
import { logger } from "@/lib/logger";
import { PROMPT_LOCALES, promptLocaleFor, spokenAppointmentSchema, type SpokenAppointment } from "@/lib/prompts/texts";
import { z } from "zod";
import { DEFAULT_WAKING_HOURS, planReminder, retryAllowed, type WakingHours } from "./timing";
import { LIVE_APPOINTMENT_STATUSES, isLiveAppointment } from "@/lib/constants";

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

const DEFAULT_MAX_CONCURRENT_CALLS = 20;
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
/** NOTIFYed when a reminder call ends (its place under the cap is free): dispatchers waiting for one go on */
export const REMINDER_SLOTS_CHANNEL = "consulta_reminder_slots";

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
    if (!isLiveAppointment(appointment.status)) {
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
    if (!isLiveAppointment(appointment.status) || appointment.startsAt <= now())
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
  type Claim =
    | {
        kind: "claimed";
        attempts: number;
        appointmentId: string;
        phone: string | null;
        teamsUserId: string | null;
        locale: string;
        about: SpokenAppointment;
      }
    | { kind: "missing" | "not-claimed" | "skipped" | "failed" | "at-capacity" };

  /**
   * Re-checks the reminder and its appointment and claims the row under the cap, in one transaction: one
   * claimer at a time across all workers (a transaction-scoped advisory lock), so the count of calls in
   * progress cannot be raced. A stale reminder (the appointment moved, was cancelled or is past) or one with
   * nobody to call is SKIPPED whatever the cap.
   */
  async function claim(job: ReminderJob): Promise<Claim> {
    const instance = clinicLineInstance(deps);
    return deps.sql.transaction(async (tx) => {
      await tx.query(`SELECT 1 AS locked FROM pg_advisory_xact_lock($1::bigint)`, [ADVISORY_LOCK_KEY]);
      const [row] = await tx.query<{
        status: string;
        attempts: number;
        appointmentId: string;
        appointmentVersion: number;
        version: number;
        appointmentStatus: string;
        startsAt: Date;
        phone: string | null;
        teamsUserId: string | null;
        locale: string;
        timeZone: string;
        clinicianName: string;
        calling: number;
      }>(
        `SELECT r.status::text AS status, r.attempts, r."appointmentId"::text AS "appointmentId", r."appointmentVersion",
           a.version, a.status::text AS "appointmentStatus", a."startsAt", p.phone, p."teamsUserId", p.locale,
           p."timeZone", u.name AS "clinicianName",
           (SELECT count(*)::int FROM "Reminder" WHERE status = 'CALLING' AND "claimedAt" > $2) AS calling
         FROM "Reminder" r JOIN "Appointment" a ON a.id = r."appointmentId" JOIN "Patient" p ON p.id = a."patientId"
           JOIN "User" u ON u.id = a."clinicianId"
         WHERE r.id = $1::uuid`,
        [job.reminderId, new Date(now().getTime() - STUCK_AFTER_MS)],
      );
      if (!row) return { kind: "missing" };
      if (row.status !== "SCHEDULED" || row.attempts !== job.attempt) return { kind: "not-claimed" };
      const close = (status: "SKIPPED" | "DONE", detail: string) =>
        tx.last(
          `UPDATE "Reminder" SET status = $2::"ReminderStatus", detail = $3, "finishedAt" = $4, "updatedAt" = now(),
             outcome = CASE WHEN $2 = 'DONE' THEN 'FAILED'::"ReminderOutcome" ELSE outcome END
           WHERE id = $1::uuid AND status = 'SCHEDULED'`,
          [job.reminderId, status, detail, now()],
        );
      if (
        row.version !== row.appointmentVersion ||
        !isLiveAppointment(row.appointmentStatus) ||
        row.startsAt <= now()
      ) {
        await close("SKIPPED", "appointment moved, cancelled or past");
        logger.info({ reminderId: job.reminderId, appointmentId: row.appointmentId }, "reminder skipped: stale");
        return { kind: "skipped" };
      }
      if (!row.phone && !row.teamsUserId) {
        await close("SKIPPED", "no phone number or Teams account");
        return { kind: "skipped" };
      }
      if (row.phone && !instance) {
        await close("DONE", "clinic line not configured");
        return { kind: "failed" };
      }
      if (row.calling >= cap) return { kind: "at-capacity" };
      await tx.last(
        `UPDATE "Reminder" SET status = 'CALLING', attempts = attempts + 1, "claimedAt" = $3, "callId" = NULL,
           "graphCallId" = NULL, "updatedAt" = now()
         WHERE id = $1::uuid AND status = 'SCHEDULED' AND attempts = $2`,
        [job.reminderId, job.attempt, now()],
      );
      return {
        kind: "claimed",
        attempts: job.attempt + 1,
        appointmentId: row.appointmentId,
        phone: row.phone,
        teamsUserId: row.teamsUserId,
        locale: row.locale,
        about: { startsAt: row.startsAt.toISOString(), zone: row.timeZone, clinicianName: row.clinicianName },
      };
    });
  }

  /** A place under the cap is free again: a dispatcher waiting for one (lib/reminders/jobs.ts) may go on. */
  const slotFreed = () => db.$queryRaw`SELECT pg_notify(${REMINDER_SLOTS_CHANNEL}, '')::text AS woken`;

  async function release(reminderId: string, attempts: number) {
    // undo the claim so the queue's retry (or the sweep) can claim the same attempt again
    await db.reminder.updateMany({
      where: { id: reminderId, status: "CALLING", attempts },
      data: { status: "SCHEDULED", attempts: attempts - 1, claimedAt: null },
    });
    await slotFreed();
  }

  async function finishReminder(reminderId: string, data: Prisma.ReminderUpdateManyMutationInput) {
    await db.reminder.updateMany({ where: { id: reminderId }, data: { ...data, finishedAt: now() } });
    await slotFreed();
  }

  /** The dispatch job: re-check and claim, dial, record. Throws on transient failures so the queue retries. */
  async function dispatch(job: ReminderJob): Promise<DispatchResult> {
    const claimed = await claim(job);
    if (claimed.kind === "at-capacity") throw new ReminderCapacityReached();
    if (claimed.kind !== "claimed") return claimed.kind;
    const { phone, teamsUserId, appointmentId, attempts } = claimed;
    const reminderId = job.reminderId;
    const input: CreateCallInput = phone
      ? { kind: "phone", phone, applicationInstanceId: clinicLineInstance(deps)!, callbackUri: deps.callbackUri }
      : { kind: "user", userId: teamsUserId!, callbackUri: deps.callbackUri };
    input.tenantId = deps.tenantId;

    let remote;
    try {
      remote = await deps.calls.create(input);
    } catch (error) {
      const status = graphStatusOf(error);
      if (isOutcomeUnknown(error)) {
        // A 5xx, a timeout or a lost connection may come after Graph placed the call: dialling again could
        // ring the phone twice. The attempt ends here; a call that exists all the same is hung up by the call
        // runtime's sweep, which finds no row for it.
        await finishReminder(reminderId, {
          status: "DONE",
          outcome: "FAILED",
          detail: `placing the call failed (${status}); not dialled again, the phone may have rung`,
        });
        logger.warn({ reminderId, status }, "reminder call outcome unknown; not dialled again");
        return "failed";
      }
      if (isTransientGraphFailure(error)) {
        // throttled (Graph did nothing) or not sent at all: the queue tries again later
        await persistently(() => release(reminderId, attempts));
        logger.warn({ reminderId, status }, "reminder call not placed yet; will retry");
        throw error;
      }
      await finishReminder(reminderId, { status: "DONE", outcome: "FAILED", detail: `call refused (${status})` });
      logger.warn({ reminderId, status }, "reminder call refused");
      return "failed";
    }
    const graphCallId = normaliseGraphId(remote.id);
    const flow: ReminderCallFlow = {
      state: initialFlowState(),
      reminderId,
      attempt: attempts,
      locale: promptLocaleFor(claimed.locale),
      about: claimed.about,
    };
    // The call is placed: its row, its link to the reminder and the audit row, in one statement that must
    // survive a database briefly away (a crash right here is the one window left; the sweep closes such rows).
    // Its first notifications usually came before Graph's answer: the runtime is woken to apply them now.
    // Run again after a lost answer, it finds the call written and changes nothing.
    await persistently(() =>
      deps.sql.query(
        `WITH call AS (
           INSERT INTO "Call" (id, "graphCallId", direction, purpose, "peerToPeer", state, "appointmentId", counterpart,
             flow, "flowAt", "createdAt", "updatedAt")
           VALUES (gen_random_uuid(), $1, 'OUTGOING', 'REMINDER', true, $2, $3::uuid, $4, $5::jsonb, now(), now(), now())
           ON CONFLICT ("graphCallId") DO UPDATE SET "updatedAt" = "Call"."updatedAt"
           RETURNING id),
         earlier AS (SELECT "callId" FROM "Reminder" WHERE id = $6::uuid),
         linked AS (
           UPDATE "Reminder" SET "callId" = (SELECT id FROM call), "graphCallId" = $1, "updatedAt" = now()
           WHERE id = $6::uuid),
         audited AS (
           INSERT INTO "AuditLog" ("actorId", "actorLabel", action, "entityType", "entityId", details)
           SELECT NULL, $7, 'reminder.call', 'Appointment', $3,
             jsonb_build_object('reminderId', $6::text, 'callId', call.id::text, 'attempt', $8::int)
           FROM call, earlier WHERE earlier."callId" IS DISTINCT FROM call.id)
         SELECT call.id::text AS id, pg_notify($9, $1)::text AS woken FROM call`,
        [
          graphCallId,
          remote.state ?? "establishing",
          appointmentId,
          phone ? maskPhone(phone) : "Teams",
          JSON.stringify(flow),
          reminderId,
          actor.label,
          attempts,
          CALLS_CHANNEL,
        ],
      ),
    );
    logger.info({ reminderId, callId: graphCallId, attempt: attempts }, "reminder call placed");
    return "placed";
  }

  // --- the call's flow ------------------------------------------------------------------------------

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
          after(() => queue({ id: reminderId, ...updated, attempts: attempt, dueAt: at }));
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

  /** The call runtime's definition of a reminder call (Call.purpose REMINDER). */
  const flow = defineFlow<ReminderCallFlow, FlowEvent, Domain | Exclude<Command, Domain>>({
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

  /** Periodic safety net: reminders for upcoming appointments, due rows re-queued, stuck calls closed. */
  async function sweep(horizonDays = 8): Promise<{ scheduled: number; queued: number; stuck: number }> {
    const at = now();
    const upcoming = await db.appointment.findMany({
      where: {
        status: { in: LIVE_APPOINTMENT_STATUSES },
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

  return { scheduleReminder, remindNow, dispatch, sweep, flow };
}

export type ReminderService = ReturnType<typeof reminderService>;
