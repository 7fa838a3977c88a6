// Booking and moving an appointment: each checks the wanted slot in one schedule read (slot-check.ts), writes
// the appointment with its idempotency record, audit row and the patient's messages, and answers a resent
// request with the booking it made. The exclusion constraint decides races (409 with the nearest free times).
import "server-only";
import crypto from "node:crypto";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import { LIVE_APPOINTMENT_STATUSES } from "@/lib/constants";
import {
  isExclusionViolation,
  isForeignKeyViolation,
  isRetryableConflict,
  isUniqueViolation,
  retryingRaces,
} from "@/lib/db/errors";
import { AppError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { queueChangeMessages } from "@/lib/patient-messages/outbox";
import { checkReschedulable, type Slot } from "@/lib/scheduling";
import { parseStoredJson } from "@/lib/stored-json";
import { liveAppointment, loadSchedule } from "./data";
import { joinTokenExpiry, newJoinToken, sealJoinToken } from "./join-token";
import { appointmentReplySchema, type AppointmentReply, type BookInput, type RescheduleInput } from "./schema";
import { alternativesWindow, checkSlot, checkWindow, nearestFrom, slotTaken } from "./slot-check";

export interface BookingResult {
  appointmentId: string;
  /** the patient's link token on the request that created or moved it (stored only sealed and hashed) */
  joinToken: string | null;
  replayed: boolean;
}

/** A request hash lets a replay with the same key but different content be refused instead of honoured. */
function requestHash(value: unknown): string {
  return crypto.createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

async function replayOf(db: PrismaClient, actorId: string, scope: string, key: string, hash: string) {
  // raw: every refused booking asks this, and a model query costs the app about twice the CPU of a
  // raw one (Prisma compiles it on the app's thread)
  const [previous] = await db.$queryRaw<{ id: string; requestHash: string; responseBody: unknown }[]>`
    SELECT "id"::text AS "id", "requestHash", "responseBody" FROM "IdempotencyRecord"
    WHERE "actorId" = ${actorId} AND "scope" = ${scope} AND "key" = ${key}`;
  if (!previous) return null;
  if (previous.requestHash !== hash) {
    throw new AppError("CONFLICT", "This request key was already used for a different request. Reload the page.");
  }
  return parseStoredJson(appointmentReplySchema, previous.responseBody, {
    column: "IdempotencyRecord.responseBody",
    row: previous.id,
  });
}

/** Slots near the wanted time, read afresh (after a lost race the schedule read before is stale). */
async function alternatives(
  db: PrismaClient,
  input: { clinicianId: string; appointmentTypeId: string; startsAt: Date },
  now: Date,
  excludeAppointmentId?: string,
) {
  const window = alternativesWindow(input.startsAt, now);
  const schedule = await loadSchedule(db, { ...input, ...window, excludeAppointmentId });
  return schedule ? nearestFrom(schedule, input.startsAt, now) : [];
}

/** Deadlocks between racing inserts are retried this many times before the request counts as lost. */
const RACE_ATTEMPTS = 3;

/**
 * The booking's writes — appointment, idempotency record, audit row and the patient's two messages
 * (lib/patient-messages/outbox.ts) — as ONE statement: atomic like a transaction, but a single round trip
 * that holds no connection while the app thinks, so concurrent bookings do not queue for the pool. The
 * audit row has the shape `recordAudit` writes.
 */
async function insertBooking(
  db: PrismaClient,
  actor: AuditActor & { id: string },
  booking: {
    id: string;
    clinicianId: string;
    patientId: string;
    appointmentTypeId: string;
    slot: Slot;
    joinTokenHash: string;
    joinTokenSealed: string;
    idempotencyKey: string;
    requestHash: string;
    note: string | null;
  },
): Promise<void> {
  const { slot } = booking;
  const responseBody = JSON.stringify({ appointmentId: booking.id } satisfies AppointmentReply);
  const details = JSON.stringify({ clinicianId: booking.clinicianId, startsAt: slot.start.toISOString() });
  await db.$executeRaw`
    WITH created AS (
      INSERT INTO "Appointment" ("id", "clinicianId", "patientId", "appointmentTypeId", "startsAt", "endsAt",
        "blockedFrom", "blockedUntil", "bookedById", "joinTokenHash", "joinTokenExpiresAt", "joinTokenSealed",
        "note", "updatedAt")
      VALUES (${booking.id}::uuid, ${booking.clinicianId}::uuid, ${booking.patientId}::uuid,
        ${booking.appointmentTypeId}::uuid, ${slot.start}::timestamptz, ${slot.end}::timestamptz,
        ${slot.blockedFrom}::timestamptz, ${slot.blockedUntil}::timestamptz, ${actor.id}::uuid,
        ${booking.joinTokenHash}, ${joinTokenExpiry(slot.end)}::timestamptz, ${booking.joinTokenSealed},
        ${booking.note}::text, now())
      RETURNING "id"
    ), messages AS (
      INSERT INTO "PatientMessage" ("id", "appointmentId", "appointmentVersion", "template", "channel", "updatedAt")
      SELECT gen_random_uuid(), "id", 1, 'BOOKED', channel, now()
      FROM created, unnest(ARRAY['EMAIL', 'SMS']::"MessageChannel"[]) AS channel
    ), idempotency AS (
      INSERT INTO "IdempotencyRecord" ("id", "actorId", "key", "scope", "requestHash", "responseCode", "responseBody")
      SELECT ${crypto.randomUUID()}::uuid, ${actor.id}::text, ${booking.idempotencyKey}::text, 'book',
        ${booking.requestHash}::text, 201, ${responseBody}::jsonb
      FROM created
    ), audit AS (
      INSERT INTO "AuditLog" ("actorId", "actorLabel", "action", "entityType", "entityId", "ip", "details")
      SELECT ${actor.id}::text, ${actor.label}::text, 'appointment.book', 'Appointment', ${booking.id}::text,
        ${actor.ip ?? null}::text, ${details}::jsonb
      FROM created
    )
    SELECT "id" FROM created`;
}

/**
 * Books a slot. Round trips: a winner reads the schedule once and writes once; a loser reads the
 * schedule and looks for an earlier request with the same key (a resent request is answered with
 * its booking, never refused). Keys are checked by the write itself (unique record) rather than
 * read first, since almost every request is new.
 */
export async function bookAppointment(
  db: PrismaClient,
  actor: AuditActor & { id: string },
  input: BookInput,
  now: Date,
): Promise<BookingResult> {
  const { idempotencyKey, ...request } = input;
  const hash = requestHash({ ...request, startsAt: request.startsAt.toISOString() });
  const replayed = async (): Promise<BookingResult | null> => {
    const previous = await replayOf(db, actor.id, "book", idempotencyKey, hash);
    return previous ? { appointmentId: previous.appointmentId, joinToken: null, replayed: true } : null;
  };

  const schedule = await loadSchedule(db, { ...input, ...checkWindow(input.startsAt, now) });
  const slot = checkSlot(schedule, input.startsAt, now);
  if (slot instanceof AppError) {
    // a resent request finds its own booking in the slot (or its time gone): answer with that booking
    const previous = await replayed();
    if (previous) return previous;
    throw slot;
  }

  const link = newJoinToken();
  const id = crypto.randomUUID();
  try {
    await retryingRaces(
      () =>
        insertBooking(db, actor, {
          id,
          clinicianId: input.clinicianId,
          patientId: input.patientId,
          appointmentTypeId: input.appointmentTypeId,
          slot,
          joinTokenHash: link.hash,
          joinTokenSealed: sealJoinToken(link.token),
          idempotencyKey,
          requestHash: hash,
          note: input.note ?? null,
        }),
      RACE_ATTEMPTS,
    );
    return { appointmentId: id, joinToken: link.token, replayed: false };
  } catch (error) {
    // the same key raced itself or was resent: the earlier request's booking is the answer
    // (a different request under a used key is refused with CONFLICT by replayOf)
    if (isExclusionViolation(error) || isUniqueViolation(error) || isRetryableConflict(error)) {
      const previous = await replayed();
      if (previous) return previous;
      if (isUniqueViolation(error)) throw error;
      throw slotTaken(await alternatives(db, input, now));
    }
    if (isForeignKeyViolation(error)) throw new AppError("NOT_FOUND", "That patient does not exist.");
    throw error;
  }
}

/**
 * Moves a live appointment. Like booking, the key is checked by the move's own write (a unique
 * idempotency record in its transaction) and read only when the request is refused: a request that
 * was resent, or ran in parallel with itself, after the move committed finds the appointment already
 * at the wanted time ("unchanged"), already at a newer version, or its own record in the way — each
 * of those is answered with the move, never as a refusal.
 */
export async function rescheduleAppointment(
  db: PrismaClient,
  actor: AuditActor & { id: string },
  input: RescheduleInput,
  now: Date,
): Promise<BookingResult> {
  const hash = requestHash({ appointmentId: input.appointmentId, startsAt: input.startsAt.toISOString() });
  const replayed = async (): Promise<BookingResult | null> => {
    const previous = await replayOf(db, actor.id, "reschedule", input.idempotencyKey, hash);
    return previous ? { appointmentId: previous.appointmentId, joinToken: null, replayed: true } : null;
  };
  const refuse = async (error: unknown): Promise<BookingResult> => {
    const previous = await replayed();
    if (previous) return previous;
    throw error;
  };

  const current = await liveAppointment(db, input.appointmentId);
  const check = checkReschedulable({
    currentStart: current.startsAt,
    newStart: input.startsAt,
    rules: current.appointmentType,
    now,
    status: current.status,
  });
  if (!check.ok) {
    const message =
      check.reason === "unchanged"
        ? "The new time is the same as the current one."
        : check.subject === "current"
          ? "This appointment can no longer be moved."
          : "That new time cannot be booked.";
    return refuse(new AppError("UNPROCESSABLE", message, { reason: check.reason, subject: check.subject }));
  }
  const target = {
    clinicianId: current.clinicianId,
    appointmentTypeId: current.appointmentTypeId,
    startsAt: input.startsAt,
  };
  const schedule = await loadSchedule(db, {
    ...target,
    ...checkWindow(input.startsAt, now),
    excludeAppointmentId: current.id,
  });
  const slot = checkSlot(schedule, input.startsAt, now);
  if (slot instanceof AppError) return refuse(slot);
  // the link stays: the patient's messages and bookmark lead to the new time, and the page says it moved
  const fresh = current.joinTokenHash ? null : newJoinToken();
  // the version check makes a rerun safe: it moves the appointment only if nobody else did
  const move = () =>
    db.$transaction(async (tx) => {
      const updated = await tx.appointment.updateMany({
        where: { id: current.id, version: current.version, status: { in: LIVE_APPOINTMENT_STATUSES } },
        data: {
          startsAt: slot.start,
          endsAt: slot.end,
          blockedFrom: slot.blockedFrom,
          blockedUntil: slot.blockedUntil,
          status: "BOOKED",
          confirmedAt: null,
          version: { increment: 1 },
          previousStartsAt: current.startsAt,
          // an appointment booked before links were kept has none to keep: it gets one now
          ...(current.joinTokenHash
            ? {}
            : { joinTokenHash: fresh!.hash, joinTokenSealed: sealJoinToken(fresh!.token) }),
          joinTokenExpiresAt: joinTokenExpiry(slot.end),
        },
      });
      if (updated.count !== 1)
        throw new AppError("CONFLICT", "Someone else changed this appointment. Reload and try again.");
      await queueChangeMessages(tx, {
        appointmentId: current.id,
        version: current.version + 1,
        template: "RESCHEDULED",
      });
      await tx.idempotencyRecord.create({
        data: {
          actorId: actor.id,
          scope: "reschedule",
          key: input.idempotencyKey,
          requestHash: hash,
          responseCode: 200,
          responseBody: { appointmentId: current.id } satisfies AppointmentReply,
        },
      });
      await recordAudit(
        tx,
        actor,
        "appointment.reschedule",
        { type: "Appointment", id: current.id },
        {
          from: current.startsAt.toISOString(),
          to: slot.start.toISOString(),
        },
      );
    });
  try {
    await retryingRaces(move, RACE_ATTEMPTS);
  } catch (error) {
    if (isExclusionViolation(error) || isRetryableConflict(error)) {
      const previous = await replayed();
      if (previous) return previous;
      throw slotTaken(await alternatives(db, target, now, current.id));
    }
    // CONFLICT (moved in between) or our own key's record already there: perhaps this very request
    return refuse(error);
  }
  return { appointmentId: current.id, joinToken: fresh?.token ?? null, replayed: false };
}
