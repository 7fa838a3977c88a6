// Reminder calls: scheduling with exactly-one semantics, dispatch under a concurrency cap, and the driver
// that runs the call flow (lib/bot/flows/reminder.ts) against Graph and the appointment.
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
// Tones: `handleTone` receives a key press in memory and turns it into a flow event; the flow state that is
// stored names steps and operation ids only, and nothing here logs a key (emulator/CONTRACT.md#media-persistence).
import { recordAudit, systemActor, type AuditActor } from "@/lib/audit/mutations";
import { cancelAppointment, confirmAppointment } from "@/lib/appointments/mutations";
import { clinicLineInstance, graphIdForRequest, hangUpUnlessGone } from "@/lib/bot/meeting-calls";
import { lifecycleEventOf } from "@/lib/bot/flows/call-events";
import { maskPhone, normaliseGraphId, type BotNotification, type ToneEvent } from "@/lib/bot/schema";
import {
  DEFAULT_RETRY,
  initialFlowState,
  keyOfTone,
  nextAttemptAt,
  step,
  type Command,
  type FlowEvent,
  type FlowState,
  type RetryPolicy,
} from "@/lib/bot/flows/reminder";
import { AppError, BrandedError } from "@/lib/errors";
import type { Prisma, PrismaClient, Reminder } from "@/lib/generated/prisma/client";
import { isOutcomeUnknown, target, userIdentity, type CreateCallInput } from "@/lib/graph/calls";
import type { CallsApi } from "@/lib/graph/gateway";
import { logger } from "@/lib/logger";
import { promptUri, type PromptStore } from "@/lib/prompts/store";
import { promptLocaleFor } from "@/lib/prompts/texts";
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
  calls: CallsApi;
  /** PUBLIC_BASE_URL + /api/calls/notifications */
  callbackUri: string;
  /** PUBLIC_BASE_URL: prompt audio is served under it */
  publicBaseUrl: string;
  prompts: PromptStore;
  tenantId: string;
  scheduler: ReminderScheduler;
  /** a cancelled appointment's Teams meeting must be deleted */
  enqueueMeetingSync(appointmentId: string): Promise<void>;
  /** Entra object id of the reception's Teams user (RECEPTION_USER_ID) */
  receptionUserId: string | null;
  /** CLINIC_LINE_APPLICATION_INSTANCE_ID, required for phone calls against Microsoft */
  clinicLineInstanceId?: string;
  emulator: boolean;
  /** never more reminder calls at once than this (Microsoft allows 100 concurrent calls per app) */
  maxConcurrentCalls?: number;
  /**
   * The call's row is committed: queue a drain of its notifications (lib/bot/drain.ts). The first ones
   * usually arrive before the create request returns; without this they wait for the drain's retry.
   */
  callRecorded?(graphCallId: string): Promise<void>;
  retry?: RetryPolicy;
  wakingHours?: WakingHours;
  now?: () => Date;
}

export const DEFAULT_MAX_CONCURRENT_CALLS = 20;
/** a CALLING claim older than this no longer counts against the cap (a crash mid-call) */
const STUCK_AFTER_MS = 30 * 60_000;
/** a claim with no call after this long was cut off while placing it (Graph and the write retry for less) */
const INTERRUPTED_AFTER_MS = 5 * 60_000;
/** a call ended this long ago whose reminder is still CALLING lost the flow's reaction (a crash in between) */
export const UNHEARD_END_AFTER_MS = 60_000;
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

  async function queue(reminder: Reminder, suffix = "") {
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
          flowState: initialFlowState() as unknown as Prisma.InputJsonValue,
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
      }),
    );
    logger.info({ reminderId: row.id, callId: graphCallId, attempt: claimed.attempts }, "reminder call placed");
    await deps.callRecorded?.(graphCallId).catch((error: unknown) => {
      // the drain's own retry still applies them, a second or two later
      logger.warn({ err: error, callId: graphCallId }, "drain after placing the call not queued");
    });
    return "placed";
  }

  // --- the flow driver -------------------------------------------------------------------------------

  const chains = new Map<string, Promise<void>>();

  /** Serialises the events of one call in this process (tones and job-fed notifications interleave). */
  function serialised(graphCallId: string, work: () => Promise<void>): Promise<void> {
    const previous = chains.get(graphCallId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    chains.set(graphCallId, settled);
    void settled.then(() => {
      if (chains.get(graphCallId) === settled) chains.delete(graphCallId);
    });
    return next;
  }

  async function execute(reminder: Reminder, command: Command): Promise<FlowEvent[]> {
    const callId = graphIdForRequest(reminder.graphCallId!);
    switch (command.type) {
      case "subscribeToTone":
        try {
          await deps.calls.subscribeToTone(callId, { clientContext: `reminder:${reminder.id}` });
        } catch (error) {
          logger.warn(
            { reminderId: reminder.id, status: (error as { status?: number }).status },
            "subscribeToTone failed",
          );
        }
        return [];
      case "play": {
        const appointment = await loadAppointment(reminder.appointmentId);
        const locale = promptLocaleFor(appointment?.patient.locale);
        try {
          // the text in force now (an admin may have edited it): its hash is in the URL
          const prompt = await promptUri(deps.publicBaseUrl, deps.prompts, locale, command.prompt);
          const op = await deps.calls.playPrompt(callId, {
            prompts: [prompt],
            clientContext: `reminder:${command.prompt}`,
          });
          const operationId = op.id;
          await db.callOperation.createMany({
            skipDuplicates: true,
            data: {
              callId: reminder.callId!,
              graphOperationId: operationId,
              kind: "playPrompt",
              status: op.status === "completed" ? "COMPLETED" : op.status === "failed" ? "FAILED" : "RUNNING",
              clientContext: `reminder:${command.prompt}`,
            },
          });
          const events: FlowEvent[] = [{ type: "playStarted", operationId }];
          // an operation that is already finished in the response gets no notification
          if (op.status === "completed" || op.status === "failed")
            events.push({ type: "promptFinished", operationId, ok: op.status === "completed" });
          return events;
        } catch (error) {
          logger.warn({ reminderId: reminder.id, status: (error as { status?: number }).status }, "playPrompt failed");
          return [{ type: "playFailed" }];
        }
      }
      case "confirm":
        try {
          await confirmAppointment(db, actor, reminder.appointmentId, now());
          return [{ type: "actionDone", action: "confirm" }];
        } catch (error) {
          logger.warn({ reminderId: reminder.id, code: (error as AppError).code }, "confirm by phone failed");
          return [{ type: "actionFailed", action: "confirm" }];
        }
      case "cancel":
        try {
          // the patient's own cancellation: the type's cutoff applies, as on their link
          await cancelAppointment(db, actor, reminder.appointmentId, now(), { enforceCutoff: true });
        } catch (error) {
          logger.warn({ reminderId: reminder.id, code: (error as AppError).code }, "cancel by phone failed");
          return [{ type: "actionFailed", action: "cancel" }];
        }
        try {
          await deps.enqueueMeetingSync(reminder.appointmentId);
        } catch (error) {
          // the meeting sweep finds the cancelled appointment's meeting later
          logger.warn({ err: error, appointmentId: reminder.appointmentId }, "meeting sync not queued after cancel");
        }
        return [{ type: "actionDone", action: "cancel" }];
      case "transfer":
        if (!deps.receptionUserId) {
          logger.warn({ reminderId: reminder.id }, "no reception user configured (RECEPTION_USER_ID)");
          return [{ type: "transferFailed" }];
        }
        try {
          await deps.calls.transfer(callId, {
            transferTarget: target(userIdentity(deps.receptionUserId, undefined, deps.tenantId)),
          });
          return [];
        } catch (error) {
          logger.warn({ reminderId: reminder.id, status: (error as { status?: number }).status }, "transfer failed");
          return [{ type: "transferFailed" }];
        }
      case "hangUp":
        try {
          await deps.calls.hangUp(callId);
        } catch (error) {
          if ((error as { status?: number }).status !== 404)
            logger.warn({ reminderId: reminder.id, status: (error as { status?: number }).status }, "hang up failed");
        }
        return [];
      case "finish":
        await finish(reminder, command);
        return [];
    }
  }

  async function finish(reminder: Reminder, command: Extract<Command, { type: "finish" }>) {
    if (command.retry) {
      const appointment = await loadAppointment(reminder.appointmentId);
      const at = nextAttemptAt(reminder.attempts, now(), retry);
      if (
        appointment &&
        at &&
        appointment.version === reminder.appointmentVersion &&
        LIVE_APPOINTMENT.includes(appointment.status) &&
        retryAllowed(at, appointment.startsAt, appointment.patient.timeZone, window)
      ) {
        const updated = await db.reminder.updateMany({
          where: { id: reminder.id, status: "CALLING", attempts: reminder.attempts },
          data: { status: "SCHEDULED", dueAt: at, detail: command.reason },
        });
        if (updated.count === 1) {
          await queue({ ...reminder, status: "SCHEDULED", dueAt: at });
          logger.info(
            { reminderId: reminder.id, attempt: reminder.attempts, reason: command.reason },
            "reminder retry",
          );
        }
        return;
      }
    }
    await finishReminder(reminder.id, { status: "DONE", outcome: command.outcome, detail: command.reason });
    await recordAudit(
      db,
      actor,
      "reminder.outcome",
      { type: "Appointment", id: reminder.appointmentId },
      {
        reminderId: reminder.id,
        outcome: command.outcome,
        attempts: reminder.attempts,
      },
    );
    logger.info({ reminderId: reminder.id, outcome: command.outcome }, "reminder finished");
  }

  /**
   * Feeds one event to the flow of the reminder call `graphCallId` (no-op for other calls). Events of one
   * call are serialised in this process; across processes (key presses reach the web process, call events
   * the worker's) each step is saved only if the stored state is still the one it started from — otherwise
   * the event is applied again to the newer state, before any of its commands ran.
   */
  function feed(graphCallId: string, event: FlowEvent): Promise<void> {
    return serialised(graphCallId, async () => {
      const reminder = await db.reminder.findUnique({ where: { graphCallId } });
      if (!reminder || reminder.status !== "CALLING" || !reminder.flowState) return;
      let state = reminder.flowState as unknown as FlowState;
      const pending: FlowEvent[] = [event];
      let conflicts = 0;
      while (pending.length) {
        const next = pending[0]!;
        const transition = step(state, next);
        if (transition.state !== state || transition.commands.length) {
          const saved = await db.reminder.updateMany({
            where: {
              id: reminder.id,
              status: "CALLING",
              flowState: { equals: state as unknown as Prisma.InputJsonValue },
            },
            data: { flowState: transition.state as unknown as Prisma.InputJsonValue },
          });
          if (saved.count === 0) {
            const fresh = await db.reminder.findUnique({ where: { id: reminder.id } });
            if (!fresh || fresh.status !== "CALLING" || !fresh.flowState || ++conflicts > 20) return;
            state = fresh.flowState as unknown as FlowState;
            continue;
          }
        }
        pending.shift();
        state = transition.state;
        for (const command of transition.commands) pending.push(...(await execute(reminder, command)));
      }
    });
  }

  /** Call and operation notifications, after the bot applied them (lib/bot/process.ts). */
  async function handleNotifications(notifications: BotNotification[]): Promise<void> {
    for (const n of notifications) {
      const event = lifecycleEventOf(n);
      if (event) await feed(n.graphCallId, event);
    }
  }

  /** The tone hook (lib/bot/tones.ts): in memory only; the key is never stored or logged. */
  function handleTone(graphCallId: string, tone: ToneEvent): Promise<void> {
    const key = keyOfTone(tone.tone);
    if (!key) return Promise.resolve();
    return feed(normaliseGraphId(graphCallId), { type: "tone", key }).catch((error: unknown) => {
      logger.warn({ graphCallId, err: error instanceof Error ? error.name : "error" }, "reminder tone not handled");
    });
  }

  /**
   * Calls that are over while their reminder still waits for them: the process died after the bot applied
   * the termination and before the flow reacted to it. The flow hears the termination again, from the
   * Call row, and ends as it would have (the outcome it reached, a retry, or a failure).
   */
  async function endUnheard(at: Date): Promise<number> {
    const waiting = await db.reminder.findMany({
      where: { status: "CALLING", callId: { not: null }, graphCallId: { not: null } },
      select: { callId: true, graphCallId: true },
      take: 500,
    });
    if (!waiting.length) return 0;
    const ended = await db.call.findMany({
      where: {
        id: { in: waiting.map((r) => r.callId!) },
        state: "terminated",
        endedAt: { lt: new Date(at.getTime() - UNHEARD_END_AFTER_MS) },
      },
      select: { id: true, resultCode: true, resultSubcode: true },
    });
    const graphCallIdOf = new Map(waiting.map((r) => [r.callId!, r.graphCallId!]));
    for (const call of ended)
      await feed(graphCallIdOf.get(call.id)!, {
        type: "terminated",
        resultCode: call.resultCode,
        resultSubcode: call.resultSubcode,
      });
    return ended.length;
  }

  /**
   * Reminder calls whose flow has not moved for STALLED_AFTER_MS: the process driving one died between a
   * step and its command (a prompt or a hang-up never sent), or while the notification it waited for was
   * being delivered. The call is hung up and its termination ends the flow as usual, with the outcome it
   * had reached; a call the cloud no longer knows is ended here as if its termination had come.
   */
  async function endStalled(at: Date): Promise<number> {
    const stalled = await db.reminder.findMany({
      where: {
        status: "CALLING",
        graphCallId: { not: null },
        updatedAt: { lt: new Date(at.getTime() - STALLED_AFTER_MS) },
      },
      select: { id: true, graphCallId: true, updatedAt: true },
      take: 100,
    });
    let ended = 0;
    for (const reminder of stalled) {
      // touching the row claims it: one sweep acts, and the next try comes a whole period later
      const claimed = await db.reminder.updateMany({
        where: { id: reminder.id, status: "CALLING", updatedAt: reminder.updatedAt },
        data: { detail: "stalled" },
      });
      if (claimed.count !== 1) continue;
      ended++;
      let hungUp: boolean;
      try {
        hungUp = await hangUpUnlessGone(deps.calls, reminder.graphCallId!);
      } catch (error) {
        logger.warn(
          { reminderId: reminder.id, status: (error as { status?: number }).status },
          "stalled reminder call not hung up",
        );
        continue;
      }
      if (hungUp) logger.warn({ reminderId: reminder.id }, "stalled reminder call hung up");
      else await feed(reminder.graphCallId!, { type: "terminated", resultCode: null, resultSubcode: null });
    }
    return ended;
  }

  /** Periodic safety net: reminders for upcoming appointments, due rows re-queued, stuck calls closed. */
  async function sweep(
    horizonDays = 8,
  ): Promise<{ scheduled: number; queued: number; unheard: number; stalled: number; stuck: number }> {
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
    const unheard = await endUnheard(at);
    const stalled = await endStalled(at);
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
    return { scheduled, queued: due.length, unheard, stalled, stuck: stuck.count + interrupted.count };
  }

  /** Resolves when the call-flow work under way in this process has finished (graceful shutdown). */
  async function settled(): Promise<void> {
    while (chains.size) await Promise.allSettled([...chains.values()]);
  }

  return { scheduleReminder, remindNow, dispatch, hasCapacity, handleNotifications, handleTone, sweep, feed, settled };
}

export type ReminderService = ReturnType<typeof reminderService>;
