// Changes to a booked appointment other than its time: cancelling, confirming, a new patient link, a failed
// meeting retried. Each writes with an explicit actor and its audit row in the same transaction. Booking and
// moving one: booking-mutations.ts.
import "server-only";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import { LIVE_APPOINTMENT_STATUSES } from "@/lib/constants";
import { AppError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { queueChangeMessages } from "@/lib/patient-messages/outbox";
import { checkCancellable } from "@/lib/scheduling";
import { liveAppointment } from "./data";
import { joinTokenExpiry, newJoinToken, sealJoinToken } from "./join-token";

/**
 * Cancels a live appointment. Its patient link keeps answering (it says the appointment was cancelled and
 * how to book again) until it expires. Staff may cancel up to the start; the type's cancellation cutoff
 * applies when `enforceCutoff` is set (the patient's own link).
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
  const cancelled = await db.$transaction(async (tx) => {
    const updated = await tx.appointment.updateMany({
      where: { id: current.id, status: { in: LIVE_APPOINTMENT_STATUSES } },
      data: { status: "CANCELLED", cancelledAt: now, version: { increment: 1 } },
    });
    if (updated.count === 1) {
      await recordAudit(tx, actor, "appointment.cancel", { type: "Appointment", id: current.id });
      // the version this update wrote (the row is ours until commit): a reschedule may have come in between
      const { version } = await tx.appointment.findUniqueOrThrow({
        where: { id: current.id },
        select: { version: true },
      });
      await queueChangeMessages(tx, { appointmentId: current.id, version, template: "CANCELLED" });
    }
    return updated.count === 1;
  });
  // false: someone else cancelled it first (this request changed nothing)
  return { cancelled };
}

/**
 * Confirms a booked appointment (the reminder call's 1, the clinic line, the patient's link). One statement
 * does the update and its audit row, and reads what the appointment was: a reminder call confirms on its busy
 * path, where a read, then a transaction of two writes, cost six round trips.
 */
export async function confirmAppointment(db: PrismaClient, actor: AuditActor, appointmentId: string, now: Date) {
  const [row] = await db.$queryRaw<{ status: string; confirmed: boolean }[]>`
    WITH confirmed AS (
      UPDATE "Appointment" SET status = 'CONFIRMED', "confirmedAt" = ${now}, "updatedAt" = ${now}
      WHERE id = ${appointmentId}::uuid AND status = 'BOOKED' AND "endsAt" > ${now}
      RETURNING id
    ), audited AS (
      INSERT INTO "AuditLog" ("actorId", "actorLabel", ip, action, "entityType", "entityId")
      SELECT ${actor.id}::text, ${actor.label}::text, ${actor.ip ?? null}::text, 'appointment.confirm', 'Appointment', id::text
      FROM confirmed
    )
    SELECT a.status::text AS status, EXISTS (SELECT 1 FROM confirmed) AS confirmed
    FROM "Appointment" a WHERE a.id = ${appointmentId}::uuid`;
  if (!row) throw new AppError("NOT_FOUND", "Appointment not found.");
  // the row read is the one before the update: already confirmed is an answer too (a key pressed twice)
  if (!row.confirmed && row.status !== "CONFIRMED") {
    throw new AppError("UNPROCESSABLE", "This appointment can no longer be confirmed.");
  }
  return { confirmed: true };
}

/**
 * Issues a new patient link and revokes the previous one: staff's explicit "issue a new link" (a link that
 * reached the wrong person). The messages sent from now on carry the new one.
 */
export async function rotateJoinLink(db: PrismaClient, actor: AuditActor, appointmentId: string) {
  const current = await liveAppointment(db, appointmentId);
  if (current.status !== "BOOKED" && current.status !== "CONFIRMED") {
    throw new AppError("UNPROCESSABLE", "Only upcoming appointments have a patient link.");
  }
  const link = newJoinToken();
  await db.$transaction(async (tx) => {
    await tx.appointment.update({
      where: { id: current.id },
      data: {
        joinTokenHash: link.hash,
        joinTokenSealed: sealJoinToken(link.token),
        joinTokenExpiresAt: joinTokenExpiry(current.endsAt),
      },
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
