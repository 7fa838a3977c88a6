// Dispatching a reminder call: the claim under the concurrency cap (decision 006), placing the call with Graph
// and recording it for the call runtime. Only a throttled request is retried: a call is never placed twice
// blindly. Exactly-one semantics: lib/reminders/service.ts and README.md.
import "server-only";
import { clinicLineInstance } from "@/lib/bot/meeting-calls";
import { initialFlowState } from "@/lib/bot/flows/reminder";
import { CALLS_CHANNEL } from "@/lib/bot/runtime/sql";
import { normaliseGraphId } from "@/lib/bot/schema";
import { isLiveAppointment, maskPhone } from "@/lib/constants";
import { BrandedError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { isOutcomeUnknown, type CreateCallInput } from "@/lib/graph/calls";
import { graphStatusOf, isTransientGraphFailure } from "@/lib/graph/errors";
import { logger } from "@/lib/logger";
import { promptLocaleFor, type SpokenAppointment } from "@/lib/prompts/texts";
import type { ReminderCallFlow } from "./flow-service";
import type { ReminderContext, ReminderJob } from "./service";

export const DEFAULT_MAX_CONCURRENT_CALLS = 20;
/** a CALLING claim older than this no longer counts against the cap (a crash mid-call) */
export const STUCK_AFTER_MS = 30 * 60_000;
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

/** The claimed row, or why not. */
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

/** The dispatch job's work, bound to the service's dependencies. */
export function reminderDispatch({ deps, db, now, actor, cap }: ReminderContext) {
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

  return dispatch;
}
