import crypto from "node:crypto";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import { isExclusionViolation, isUniqueViolation } from "@/lib/db/errors";
import { AppError } from "@/lib/errors";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { checkBookable, checkCancellable, checkReschedulable, findSlots, nearestFreeSlots } from "@/lib/scheduling";
import { loadSchedule } from "./data";
import { joinTokenExpiry, newJoinToken } from "./join-token";
import type { BookInput, RescheduleInput } from "./schema";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface BookingResult {
  appointmentId: string;
  /** the patient's link token; only present on the request that created it, never stored */
  joinToken: string | null;
  replayed: boolean;
}

/** A request hash lets a replay with the same key but different content be refused instead of honoured. */
function requestHash(value: unknown): string {
  return crypto.createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

async function replayOf(db: PrismaClient, actorId: string, scope: string, key: string, hash: string) {
  const previous = await db.idempotencyRecord.findUnique({
    where: { actorId_scope_key: { actorId, scope, key } },
  });
  if (!previous) return null;
  if (previous.requestHash !== hash) {
    throw new AppError("CONFLICT", "This request key was already used for a different request. Reload the page.");
  }
  return previous.responseBody as unknown as { appointmentId: string };
}

/** Slots near the wanted time, offered when the wanted one is gone: the next two days around it. */
async function alternatives(
  db: PrismaClient,
  input: { clinicianId: string; appointmentTypeId: string; startsAt: Date },
  now: Date,
  excludeAppointmentId?: string,
) {
  const from = new Date(Math.max(now.getTime(), input.startsAt.getTime() - DAY_MS));
  const to = new Date(input.startsAt.getTime() + 2 * DAY_MS);
  const schedule = await loadSchedule(db, { ...input, from, to, excludeAppointmentId });
  if (!schedule) return [];
  return nearestFreeSlots(findSlots({ ...schedule, from, to, now }), input.startsAt, 5).map((s) =>
    s.start.toISOString(),
  );
}

function slotTaken(suggestions: string[]): AppError {
  return new AppError(
    "SLOT_TAKEN",
    "That time was just taken by another booking. Pick one of the nearest free times.",
    {
      suggestions,
    },
  );
}

/** Verifies the wanted start is a free slot now; the exclusion constraint still has the last word. */
async function assertSlotFree(
  db: PrismaClient,
  input: { clinicianId: string; appointmentTypeId: string; startsAt: Date },
  now: Date,
  excludeAppointmentId?: string,
) {
  const dayFrom = new Date(input.startsAt.getTime() - DAY_MS);
  const dayTo = new Date(input.startsAt.getTime() + DAY_MS);
  const schedule = await loadSchedule(db, { ...input, from: dayFrom, to: dayTo, excludeAppointmentId });
  if (!schedule) throw new AppError("UNPROCESSABLE", "This clinician does not offer that appointment type.");
  const check = checkBookable(input.startsAt, schedule.rules, now);
  if (!check.ok) {
    const messages = {
      inPast: "That time has already passed.",
      tooSoon: "That time is too soon: this appointment type needs more notice.",
      beyondHorizon: "That time is too far ahead to book yet.",
    } as const;
    throw new AppError("UNPROCESSABLE", messages[check.reason], { reason: check.reason });
  }
  // only the wanted start is evaluated: a one-millisecond window of starts
  const [slot] = findSlots({
    ...schedule,
    from: input.startsAt,
    to: new Date(input.startsAt.getTime() + 1),
    now,
  }).filter((s) => s.start.getTime() === input.startsAt.getTime());
  if (!slot) throw slotTaken(await alternatives(db, input, now, excludeAppointmentId));
  return slot;
}

export async function bookAppointment(
  db: PrismaClient,
  actor: AuditActor & { id: string },
  input: BookInput,
  now: Date,
): Promise<BookingResult> {
  const { idempotencyKey, ...request } = input;
  const hash = requestHash({ ...request, startsAt: request.startsAt.toISOString() });
  const previous = await replayOf(db, actor.id, "book", idempotencyKey, hash);
  if (previous) return { appointmentId: previous.appointmentId, joinToken: null, replayed: true };

  const patient = await db.patient.findUnique({ where: { id: input.patientId }, select: { id: true } });
  if (!patient) throw new AppError("NOT_FOUND", "That patient does not exist.");
  const slot = await assertSlotFree(db, input, now);
  const link = newJoinToken();

  try {
    const appointment = await db.$transaction(async (tx) => {
      const created = await tx.appointment.create({
        data: {
          clinicianId: input.clinicianId,
          patientId: input.patientId,
          appointmentTypeId: input.appointmentTypeId,
          startsAt: slot.start,
          endsAt: slot.end,
          blockedFrom: slot.blockedFrom,
          blockedUntil: slot.blockedUntil,
          bookedById: actor.id,
          joinTokenHash: link.hash,
          joinTokenExpiresAt: joinTokenExpiry(slot.end),
        },
      });
      await tx.idempotencyRecord.create({
        data: {
          actorId: actor.id,
          scope: "book",
          key: idempotencyKey,
          requestHash: hash,
          responseCode: 201,
          responseBody: { appointmentId: created.id },
        },
      });
      await recordAudit(
        tx,
        actor,
        "appointment.book",
        { type: "Appointment", id: created.id },
        {
          clinicianId: created.clinicianId,
          startsAt: created.startsAt.toISOString(),
        },
      );
      return created;
    });
    return { appointmentId: appointment.id, joinToken: link.token, replayed: false };
  } catch (error) {
    if (isExclusionViolation(error)) throw slotTaken(await alternatives(db, input, now));
    // the same key raced itself: the other request won, answer with its booking
    if (isUniqueViolation(error)) {
      const winner = await replayOf(db, actor.id, "book", idempotencyKey, hash);
      if (winner) return { appointmentId: winner.appointmentId, joinToken: null, replayed: true };
    }
    throw error;
  }
}

async function liveAppointment(db: PrismaClient | Prisma.TransactionClient, appointmentId: string) {
  const appointment = await db.appointment.findUnique({
    where: { id: appointmentId },
    include: { appointmentType: true },
  });
  if (!appointment) throw new AppError("NOT_FOUND", "Appointment not found.");
  return appointment;
}

export async function rescheduleAppointment(
  db: PrismaClient,
  actor: AuditActor & { id: string },
  input: RescheduleInput,
  now: Date,
): Promise<BookingResult> {
  const hash = requestHash({ appointmentId: input.appointmentId, startsAt: input.startsAt.toISOString() });
  const previous = await replayOf(db, actor.id, "reschedule", input.idempotencyKey, hash);
  if (previous) return { appointmentId: previous.appointmentId, joinToken: null, replayed: true };

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
    throw new AppError("UNPROCESSABLE", message, { reason: check.reason });
  }
  const target = {
    clinicianId: current.clinicianId,
    appointmentTypeId: current.appointmentTypeId,
    startsAt: input.startsAt,
  };
  const slot = await assertSlotFree(db, target, now, current.id);
  // a moved appointment gets a new link: the old one (perhaps forwarded with the old time) stops working
  const link = newJoinToken();
  try {
    await db.$transaction(async (tx) => {
      const updated = await tx.appointment.updateMany({
        where: { id: current.id, version: current.version, status: { in: ["BOOKED", "CONFIRMED"] } },
        data: {
          startsAt: slot.start,
          endsAt: slot.end,
          blockedFrom: slot.blockedFrom,
          blockedUntil: slot.blockedUntil,
          status: "BOOKED",
          confirmedAt: null,
          version: { increment: 1 },
          joinTokenHash: link.hash,
          joinTokenExpiresAt: joinTokenExpiry(slot.end),
        },
      });
      if (updated.count !== 1)
        throw new AppError("CONFLICT", "Someone else changed this appointment. Reload and try again.");
      await tx.idempotencyRecord.create({
        data: {
          actorId: actor.id,
          scope: "reschedule",
          key: input.idempotencyKey,
          requestHash: hash,
          responseCode: 200,
          responseBody: { appointmentId: current.id },
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
  } catch (error) {
    if (isExclusionViolation(error)) throw slotTaken(await alternatives(db, target, now, current.id));
    throw error;
  }
  return { appointmentId: current.id, joinToken: link.token, replayed: false };
}

/**
 * Cancels a live appointment and revokes its patient link. Staff may cancel up to the start; the
 * type's cancellation cutoff applies when `enforceCutoff` is set (the patient's own link).
 */
export async function cancelAppointment(
  db: PrismaClient,
  actor: AuditActor,
  appointmentId: string,
  now: Date,
  options: { enforceCutoff: boolean },
): Promise<{ cancelled: boolean }> {
  const current = await liveAppointment(db, appointmentId);
  if (current.status === "CANCELLED") return { cancelled: false };
  const rules = options.enforceCutoff
    ? current.appointmentType
    : { ...current.appointmentType, cancellationCutoffMinutes: 0 };
  const check = checkCancellable(current.startsAt, rules, now, current.status);
  if (!check.ok) {
    const message =
      check.reason === "pastCutoff"
        ? "It is too late to cancel online; please call the clinic."
        : "This appointment can no longer be cancelled.";
    throw new AppError("UNPROCESSABLE", message, { reason: check.reason });
  }
  await db.$transaction(async (tx) => {
    const updated = await tx.appointment.updateMany({
      where: { id: current.id, status: { in: ["BOOKED", "CONFIRMED"] } },
      data: {
        status: "CANCELLED",
        cancelledAt: now,
        joinTokenHash: null,
        joinTokenExpiresAt: null,
        version: { increment: 1 },
      },
    });
    if (updated.count === 1)
      await recordAudit(tx, actor, "appointment.cancel", { type: "Appointment", id: current.id });
  });
  return { cancelled: true };
}

export async function confirmAppointment(db: PrismaClient, actor: AuditActor, appointmentId: string, now: Date) {
  const current = await liveAppointment(db, appointmentId);
  if (current.status === "CONFIRMED") return { confirmed: true };
  if (current.status !== "BOOKED" || current.endsAt <= now) {
    throw new AppError("UNPROCESSABLE", "This appointment can no longer be confirmed.");
  }
  await db.$transaction(async (tx) => {
    const updated = await tx.appointment.updateMany({
      where: { id: current.id, status: "BOOKED" },
      data: { status: "CONFIRMED", confirmedAt: now },
    });
    if (updated.count === 1)
      await recordAudit(tx, actor, "appointment.confirm", { type: "Appointment", id: current.id });
  });
  return { confirmed: true };
}

/** Issues a new patient link and revokes the previous one (e.g. the patient lost the message). */
export async function rotateJoinLink(db: PrismaClient, actor: AuditActor, appointmentId: string) {
  const current = await liveAppointment(db, appointmentId);
  if (current.status !== "BOOKED" && current.status !== "CONFIRMED") {
    throw new AppError("UNPROCESSABLE", "Only upcoming appointments have a patient link.");
  }
  const link = newJoinToken();
  await db.$transaction(async (tx) => {
    await tx.appointment.update({
      where: { id: current.id },
      data: { joinTokenHash: link.hash, joinTokenExpiresAt: joinTokenExpiry(current.endsAt) },
    });
    await recordAudit(tx, actor, "appointment.link.rotate", { type: "Appointment", id: current.id });
  });
  return { joinToken: link.token };
}

/**
 * Puts a failed Teams meeting back in the queue's hands (the caller queues the sync). Audited: it is a
 * person's request for a Graph action. False when there was no failed meeting to retry.
 */
export async function retryFailedMeeting(db: PrismaClient, actor: AuditActor, appointmentId: string) {
  return db.$transaction(async (tx) => {
    const updated = await tx.onlineMeeting.updateMany({
      where: { appointmentId, state: "FAILED" },
      data: { state: "PENDING", failureReason: null },
    });
    if (updated.count === 1)
      await recordAudit(tx, actor, "graph.meeting.retry", { type: "Appointment", id: appointmentId });
    return updated.count === 1;
  });
}
