import "server-only";
import { recordRead, type AuditActor } from "@/lib/audit/mutations";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { checkCancellable } from "@/lib/scheduling";
import { findByJoinTokenHash } from "./data";
import { hashJoinToken, looksLikeJoinToken } from "./join-token";
import { announceAppointmentChange } from "./jobs";
import { cancelAppointment, confirmAppointment } from "./mutations";

// Everything a patient link can see or do. The link is the only credential, so the view carries the
// minimum: first name, clinician, times, and the Teams join URL while the visit can still be joined.

/**
 * Where the appointment stands for the patient: coming up (perhaps moved), cancelled (by anyone), or over
 * (its end has passed, or the clinic closed it) — the last two never offer the meeting.
 */
type PatientPhase = "upcoming" | "cancelled" | "ended";

export interface PatientView {
  appointmentId: string;
  firstName: string;
  clinicianName: string;
  typeName: string;
  /** the type's English name, when it has one */
  typeNameEn: string | null;
  startsAt: Date;
  endsAt: Date;
  /** the start before the latest reschedule, when it was moved */
  movedFrom: Date | null;
  /** raised on every change: the calendar file's SEQUENCE */
  version: number;
  zone: string;
  locale: string;
  status: "BOOKED" | "CONFIRMED" | "CANCELLED" | "COMPLETED" | "NO_SHOW";
  phase: PatientPhase;
  joinWebUrl: string | null;
  canConfirm: boolean;
  canCancel: boolean;
  /** why an upcoming appointment cannot be cancelled online (too late: call the clinic) */
  cancelRefusal: "pastCutoff" | null;
}

function patientPhase(status: PatientView["status"], endsAt: Date, now: Date): PatientPhase {
  if (status === "CANCELLED") return "cancelled";
  if (status === "COMPLETED" || status === "NO_SHOW" || endsAt <= now) return "ended";
  return "upcoming";
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
  const phase = patientPhase(a.status, a.endsAt, now);
  const upcoming = phase === "upcoming";
  const cancellable = upcoming ? checkCancellable(a.startsAt, a.rules, now, a.status) : null;
  return {
    appointmentId: a.id,
    firstName: a.firstName,
    clinicianName: a.clinicianName,
    typeName: a.typeName,
    typeNameEn: a.typeNameEn,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    movedFrom: a.previousStartsAt,
    version: a.version,
    zone: a.timeZone,
    locale: a.locale,
    status: a.status,
    phase,
    // only while the visit can still happen: never once it ended, however long the link lives
    joinWebUrl: upcoming && a.meetingState === "READY" ? a.joinWebUrl : null,
    canConfirm: upcoming && a.status === "BOOKED",
    canCancel: cancellable?.ok === true,
    cancelRefusal: cancellable && !cancellable.ok && cancellable.reason === "pastCutoff" ? "pastCutoff" : null,
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

/** Cancels within the type's cutoff; the meeting's deletion and the patient's messages follow (changes.ts). */
export async function cancelByPatient(token: string, now: Date, ip: string | null = null): Promise<void> {
  const view = await openPatientLink(token, now);
  if (!view) throw new AppError("NOT_FOUND", "This link is not valid.");
  const { cancelled } = await cancelAppointment(
    getDb(),
    patientActor(view.appointmentId, ip),
    view.appointmentId,
    now,
    {
      enforceCutoff: true,
    },
  );
  await announceAppointmentChange({ appointmentId: view.appointmentId, kind: "cancelled", replayed: !cancelled });
}
