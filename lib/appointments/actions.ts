"use server";
// Server actions behind the booking, reschedule, cancel and link forms. Each resolves the viewer,
// checks they may act on this appointment, parses the form and answers with a typed state the form
// renders; unexpected failures are logged with ids only and shown as a generic message.
import { formArgument } from "@/lib/http/form-data";
import { revalidatePath } from "next/cache";
import { getTranslations } from "next-intl/server";
import { z } from "zod";
import { canSeeAllAppointments } from "@/lib/auth/roles";
import { ALL_ROLES, requireViewer, type Viewer } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { AppError, isAppError } from "@/lib/errors";
import { enqueueMeetingSync } from "@/lib/jobs/boss";
import { logger } from "@/lib/logger";
import { sendChangeMessagesSoon } from "@/lib/patient-messages/jobs";
import {
  bookAppointment,
  cancelAppointment,
  rescheduleAppointment,
  retryFailedMeeting,
  rotateJoinLink,
  type BookingResult,
} from "./mutations";
import { isValidTimeZone, withinWakingHours } from "@/lib/scheduling";
import { patientClockFacts } from "./data";
import { bookInput, cancelInput, rescheduleInput } from "./schema";

export type BookingFormState =
  | { status: "idle" }
  | { status: "booked"; appointmentId: string; joinUrl: string | null; replayed: boolean }
  | { status: "error"; message: string; suggestions: string[] };

export type SimpleFormState =
  { status: "idle" } | { status: "done"; message: string; joinUrl?: string } | { status: "error"; message: string };

const actorOf = (viewer: Viewer) => ({
  id: viewer.id,
  label: `${viewer.name} (${viewer.role.toLowerCase()})`,
  ip: viewer.ip,
});

function joinUrl(token: string | null): string | null {
  if (!token) return null;
  return new URL(`/j/${token}`, process.env.PUBLIC_BASE_URL ?? "http://localhost:3000").toString();
}

async function describe(error: unknown, context: string): Promise<{ message: string; suggestions: string[] }> {
  const t = await getTranslations("appointments.errors");
  if (isAppError(error)) {
    const suggestions = (error.details?.suggestions as string[] | undefined) ?? [];
    if (error.code === "SLOT_TAKEN") return { message: t("slotTaken"), suggestions };
    // a refused time says why, in the viewer's language (the mutation's reason codes)
    const reason = error.details?.reason;
    if (error.details?.subject === "current") return { message: t("cannotMove"), suggestions };
    if (typeof reason === "string" && t.has(`reasons.${reason}`))
      return { message: t(`reasons.${reason}`), suggestions };
    return { message: error.message, suggestions };
  }
  logger.error({ err: error, action: context }, "appointment action failed");
  return { message: t("unexpected"), suggestions: [] };
}

/** A clinician may act only on their own appointments; staff and admins on any. */
async function assertMayManage(viewer: Viewer, appointmentId: string): Promise<void> {
  const appointment = await getDb().appointment.findUnique({
    where: { id: appointmentId },
    select: { clinicianId: true },
  });
  if (!appointment || (!canSeeAllAppointments(viewer.role) && appointment.clinicianId !== viewer.id)) {
    throw new AppError("NOT_FOUND", "Appointment not found.");
  }
}

/**
 * The Teams meeting follows the appointment through the job queue. If queueing fails the change still
 * stands: the periodic sweep finds the appointment and queues it.
 */
async function syncMeetingSoon(appointmentId: string): Promise<void> {
  try {
    await enqueueMeetingSync(appointmentId);
  } catch (error) {
    logger.warn({ err: error, appointmentId }, "could not queue meeting sync; the sweep will pick it up");
  }
}

function fields(formData: FormData, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, String(formData.get(name) ?? "")]));
}

/**
 * Book and reschedule: parse the form, let `change` check access and write, queue the meeting sync and
 * revalidate `path`; the form shows the booked appointment or the error.
 */
async function bookingAction<S extends z.ZodType>(
  context: string,
  formData: FormData,
  form: { schema: S; fields: string[] },
  change: (viewer: Viewer, input: z.output<S>) => Promise<BookingResult>,
  path: (appointmentId: string) => string,
): Promise<BookingFormState> {
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = form.schema.safeParse(fields(formData, form.fields));
    if (!parsed.success) {
      const t = await getTranslations("appointments.errors.input");
      const message = parsed.error.issues[0]?.message ?? "Invalid request.";
      return { status: "error", message: t.has(message) ? t(message) : message, suggestions: [] };
    }
    const result = await change(viewer, parsed.data);
    await syncMeetingSoon(result.appointmentId);
    await sendChangeMessagesSoon(result.appointmentId);
    revalidatePath(path(result.appointmentId));
    return {
      status: "booked",
      appointmentId: result.appointmentId,
      joinUrl: joinUrl(result.joinToken),
      replayed: result.replayed,
    };
  } catch (error) {
    return { status: "error", ...(await describe(error, context)) };
  }
}

/**
 * A time at night on the patient's clock (outside 07:00–22:00 where they live) is booked only when the form
 * says the patient agreed (`nightConfirmed=yes`, the review step's box); the booking API leaves this to
 * its callers.
 */
async function assertPatientAwake(
  of: Parameters<typeof patientClockFacts>[1],
  startsAt: Date,
  confirmed: boolean,
): Promise<void> {
  if (confirmed) return;
  const facts = await patientClockFacts(getDb(), of);
  if (!facts || !isValidTimeZone(facts.timeZone)) return;
  const end = new Date(startsAt.getTime() + facts.durationMinutes * 60_000);
  if (!withinWakingHours(startsAt, end, facts.timeZone))
    throw new AppError("UNPROCESSABLE", "That time is at night for the patient; confirm they agreed.", {
      reason: "patientNight",
    });
}

export async function bookAction(_previous: BookingFormState, formData: FormData): Promise<BookingFormState> {
  formData = formArgument(formData);
  const nightConfirmed = formData.get("nightConfirmed") === "yes";
  return bookingAction(
    "book",
    formData,
    {
      schema: bookInput,
      fields: ["clinicianId", "appointmentTypeId", "patientId", "startsAt", "idempotencyKey", "note"],
    },
    async (viewer, input) => {
      if (!canSeeAllAppointments(viewer.role) && input.clinicianId !== viewer.id) {
        throw new AppError("FORBIDDEN", "Clinicians book appointments in their own calendar.");
      }
      await assertPatientAwake(input, input.startsAt, nightConfirmed);
      return bookAppointment(getDb(), actorOf(viewer), input, new Date());
    },
    () => "/appointments",
  );
}

export async function rescheduleAction(_previous: BookingFormState, formData: FormData): Promise<BookingFormState> {
  formData = formArgument(formData);
  const nightConfirmed = formData.get("nightConfirmed") === "yes";
  return bookingAction(
    "reschedule",
    formData,
    { schema: rescheduleInput, fields: ["appointmentId", "startsAt", "idempotencyKey"] },
    async (viewer, input) => {
      await assertMayManage(viewer, input.appointmentId);
      await assertPatientAwake({ appointmentId: input.appointmentId }, input.startsAt, nightConfirmed);
      return rescheduleAppointment(getDb(), actorOf(viewer), input, new Date());
    },
    (appointmentId) => `/appointments/${appointmentId}`,
  );
}

export async function cancelAction(_previous: SimpleFormState, formData: FormData): Promise<SimpleFormState> {
  formData = formArgument(formData);
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = cancelInput.safeParse(fields(formData, ["appointmentId", "confirm"]));
    if (!parsed.success) return { status: "error", message: parsed.error.issues[0]?.message ?? "Invalid request." };
    await assertMayManage(viewer, parsed.data.appointmentId);
    await cancelAppointment(getDb(), actorOf(viewer), parsed.data.appointmentId, new Date(), { enforceCutoff: false });
    await syncMeetingSoon(parsed.data.appointmentId);
    await sendChangeMessagesSoon(parsed.data.appointmentId);
    revalidatePath(`/appointments/${parsed.data.appointmentId}`);
    const t = await getTranslations("appointments.detail");
    return { status: "done", message: t("cancelled") };
  } catch (error) {
    return { status: "error", message: (await describe(error, "cancel")).message };
  }
}

export async function rotateLinkAction(_previous: SimpleFormState, formData: FormData): Promise<SimpleFormState> {
  formData = formArgument(formData);
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = z.uuid().safeParse(formData.get("appointmentId"));
    if (!parsed.success) throw new AppError("NOT_FOUND", "Appointment not found.");
    const appointmentId = parsed.data;
    await assertMayManage(viewer, appointmentId);
    const { joinToken } = await rotateJoinLink(getDb(), actorOf(viewer), appointmentId);
    const t = await getTranslations("appointments.detail");
    return { status: "done", message: t("linkIssued"), joinUrl: joinUrl(joinToken) ?? undefined };
  } catch (error) {
    return { status: "error", message: (await describe(error, "rotate-link")).message };
  }
}

export async function retryMeetingAction(_previous: SimpleFormState, formData: FormData): Promise<SimpleFormState> {
  formData = formArgument(formData);
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = z.uuid().safeParse(formData.get("appointmentId"));
    if (!parsed.success) throw new AppError("NOT_FOUND", "Appointment not found.");
    await assertMayManage(viewer, parsed.data);
    await retryFailedMeeting(getDb(), actorOf(viewer), parsed.data);
    await enqueueMeetingSync(parsed.data);
    revalidatePath(`/appointments/${parsed.data}`);
    const t = await getTranslations("appointments.detail");
    return { status: "done", message: t("meetingRetrying") };
  } catch (error) {
    return { status: "error", message: (await describe(error, "retry-meeting")).message };
  }
}
