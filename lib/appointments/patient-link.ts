import "server-only";
import { recordRead, type AuditActor } from "@/lib/audit/mutations";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { checkCancellable } from "@/lib/scheduling";
import { findByJoinTokenHash } from "./data";
import { hashJoinToken, looksLikeJoinToken } from "./join-token";
import { cancelAppointment, confirmAppointment } from "./mutations";

// Everything a patient link can see or do. The link is the only credential, so the view carries the
// minimum: first name, clinician, times, and the Teams join URL once the meeting exists.

export interface PatientView {
  appointmentId: string;
  firstName: string;
  clinicianName: string;
  typeName: string;
  startsAt: Date;
  endsAt: Date;
  zone: string;
  locale: string;
  status: "BOOKED" | "CONFIRMED" | "CANCELLED" | "COMPLETED" | "NO_SHOW";
  joinWebUrl: string | null;
  canConfirm: boolean;
  canCancel: boolean;
}

/**
 * The appointment behind a link, or null. With `seenFrom` (the client address) the view is audited as
 * the link holder's read of the appointment; only a current link writes anything.
 */
export async function openPatientLink(
  token: string,
  now: Date,
  seenFrom?: { ip: string | null },
): Promise<PatientView | null> {
  if (!looksLikeJoinToken(token)) return null;
  const a = await findByJoinTokenHash(getDb(), hashJoinToken(token), now);
  if (!a) return null;
  if (seenFrom) {
    await recordRead(
      getDb(),
      patientActor(a.id, seenFrom.ip),
      "appointment.link.read",
      { type: "Appointment", id: a.id },
      now,
    );
  }
  const live = a.status === "BOOKED" || a.status === "CONFIRMED";
  return {
    appointmentId: a.id,
    firstName: a.firstName,
    clinicianName: a.clinicianName,
    typeName: a.typeName,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    zone: a.timeZone,
    locale: a.locale,
    status: a.status,
    joinWebUrl: live && a.meetingState === "READY" ? a.joinWebUrl : null,
    canConfirm: a.status === "BOOKED" && a.endsAt > now,
    canCancel: live && checkCancellable(a.startsAt, a.rules, now, a.status).ok,
  };
}

function patientActor(appointmentId: string, ip: string | null): AuditActor {
  return { id: null, label: `patient link (${appointmentId.slice(0, 8)})`, ip };
}

/** `ip`: the client address, for the audit row. */
export async function confirmByPatient(token: string, now: Date, ip: string | null = null): Promise<void> {
  const view = await openPatientLink(token, now);
  if (!view) throw new AppError("NOT_FOUND", "This link is not valid.");
  await confirmAppointment(getDb(), patientActor(view.appointmentId, ip), view.appointmentId, now);
}

/** Cancels within the type's cutoff; returns the appointment id so the caller can update the meeting. */
export async function cancelByPatient(token: string, now: Date, ip: string | null = null): Promise<string> {
  const view = await openPatientLink(token, now);
  if (!view) throw new AppError("NOT_FOUND", "This link is not valid.");
  await cancelAppointment(getDb(), patientActor(view.appointmentId, ip), view.appointmentId, now, {
    enforceCutoff: true,
  });
  return view.appointmentId;
}
