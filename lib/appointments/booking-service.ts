// Booking, rescheduling and cancelling as every door asks for them — the booking pages' server actions
// (actions.ts) and POST /api/appointments: who may act on which calendar, the patient's night, the
// mutation, the announcement that queues the work which follows, and the patient's link. The doors only
// translate: form fields and form state, or a JSON body, the Idempotency-Key header and status codes.
import "server-only";
import { auditActorOf } from "@/lib/audit/mutations";
import { mayManageAppointment } from "@/lib/auth/roles";
import type { Viewer } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isValidTimeZone, withinWakingHours } from "@/lib/scheduling";
import { assertMayManage } from "./access";
import { announceAppointmentChange } from "./jobs";
import { patientClockFacts } from "./data";
import { patientLinkUrl } from "./join-token";
import { bookAppointment, rescheduleAppointment, type BookingResult } from "./booking-mutations";
import { cancelAppointment } from "./mutations";
import type { BookInput, RescheduleInput } from "./schema";

export interface BookingOutcome {
  appointmentId: string;
  /** the patient's page, on the request that created the link (a replay does not see the token again) */
  joinUrl: string | null;
  replayed: boolean;
}

/**
 * Night on the patient's clock (outside 07:00–22:00 where they live) is booked only when the patient agreed:
 * the review step's box says so for the pages; integrations over the API answer for it themselves.
 */
export interface NightTimeConsent {
  patientAgreedToNightTime: boolean;
}

/** The patient's page for a token, when the request saw one. */
export function joinUrlFor(token: string | null): string | null {
  return token ? patientLinkUrl(token) : null;
}

async function assertPatientAwake(
  of: Parameters<typeof patientClockFacts>[1],
  startsAt: Date,
  consent: NightTimeConsent,
): Promise<void> {
  if (consent.patientAgreedToNightTime) return;
  const facts = await patientClockFacts(getDb(), of);
  if (!facts || !isValidTimeZone(facts.timeZone)) return;
  const end = new Date(startsAt.getTime() + facts.durationMinutes * 60_000);
  if (!withinWakingHours(startsAt, end, facts.timeZone))
    throw new AppError("UNPROCESSABLE", "That time is at night for the patient; confirm they agreed.", {
      reason: "patientNight",
    });
}

function outcomeOf(result: BookingResult): BookingOutcome {
  return { appointmentId: result.appointmentId, joinUrl: joinUrlFor(result.joinToken), replayed: result.replayed };
}

export async function bookForViewer(
  viewer: Viewer,
  input: BookInput,
  consent: NightTimeConsent,
  now: Date = new Date(),
): Promise<BookingOutcome> {
  if (!mayManageAppointment(viewer, input)) {
    throw new AppError("FORBIDDEN", "Clinicians book appointments in their own calendar.");
  }
  await assertPatientAwake(input, input.startsAt, consent);
  const result = await bookAppointment(getDb(), auditActorOf(viewer), input, now);
  await announceAppointmentChange({ appointmentId: result.appointmentId, kind: "booked", replayed: result.replayed });
  return outcomeOf(result);
}

export async function rescheduleForViewer(
  viewer: Viewer,
  input: RescheduleInput,
  consent: NightTimeConsent,
  now: Date = new Date(),
): Promise<BookingOutcome> {
  await assertMayManage(viewer, input.appointmentId);
  await assertPatientAwake({ appointmentId: input.appointmentId }, input.startsAt, consent);
  const result = await rescheduleAppointment(getDb(), auditActorOf(viewer), input, now);
  await announceAppointmentChange({
    appointmentId: result.appointmentId,
    kind: "rescheduled",
    replayed: result.replayed,
  });
  return outcomeOf(result);
}

/** Staff and clinicians cancel up to the start (the type's cutoff is the patient's rule). */
export async function cancelForViewer(viewer: Viewer, appointmentId: string, now: Date = new Date()): Promise<void> {
  await assertMayManage(viewer, appointmentId);
  const { cancelled } = await cancelAppointment(getDb(), auditActorOf(viewer), appointmentId, now, {
    enforceCutoff: false,
  });
  await announceAppointmentChange({ appointmentId, kind: "cancelled", replayed: !cancelled });
}
