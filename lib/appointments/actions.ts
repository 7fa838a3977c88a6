"use server";
// Server actions behind the booking, reschedule, cancel and link forms. Each resolves the viewer,
// checks they may act on this appointment, parses the form and answers with a typed state the form
// renders; unexpected failures are logged with ids only and shown as a generic message.
import "server-only";
import { formArgument } from "@/lib/http/form-data";
import { revalidatePath } from "next/cache";
import { getTranslations } from "next-intl/server";
import { z } from "zod";
import { ALL_ROLES, requireViewer, type Viewer } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { AppError, isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { auditActorOf } from "@/lib/audit/mutations";
import { assertMayManage } from "./access";
import {
  bookForViewer,
  cancelForViewer,
  joinUrlFor,
  rescheduleForViewer,
  type BookingOutcome,
  type NightTimeConsent,
} from "./booking-service";
import { announceAppointmentChange } from "./jobs";
import { retryFailedMeeting, rotateJoinLink } from "./mutations";
import { bookInput, cancelInput, rescheduleInput } from "./schema";

export type BookingFormState =
  | { status: "idle" }
  | { status: "booked"; appointmentId: string; joinUrl: string | null; replayed: boolean }
  | { status: "error"; message: string; suggestions: string[] };

export type SimpleFormState =
  { status: "idle" } | { status: "done"; message: string; joinUrl?: string } | { status: "error"; message: string };

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

function fields(formData: FormData, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, String(formData.get(name) ?? "")]));
}

/** The review step's box: the patient agreed to a time at night on their clock. */
function nightTimeConsent(formData: FormData): NightTimeConsent {
  return { patientAgreedToNightTime: formData.get("nightConfirmed") === "yes" };
}

/**
 * Book and reschedule: parse the form, let `change` (lib/appointments/booking-service.ts) do the rest and revalidate
 * `path`; the form shows the booked appointment or the error.
 */
async function bookingAction<S extends z.ZodType>(
  context: string,
  formData: FormData,
  form: { schema: S; fields: string[] },
  change: (viewer: Viewer, input: z.output<S>) => Promise<BookingOutcome>,
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
    const outcome = await change(viewer, parsed.data);
    revalidatePath(path(outcome.appointmentId));
    return { status: "booked", ...outcome };
  } catch (error) {
    return { status: "error", ...(await describe(error, context)) };
  }
}

export async function bookAction(_previous: BookingFormState, formData: FormData): Promise<BookingFormState> {
  formData = formArgument(formData);
  return bookingAction(
    "book",
    formData,
    {
      schema: bookInput,
      fields: ["clinicianId", "appointmentTypeId", "patientId", "startsAt", "idempotencyKey", "note"],
    },
    (viewer, input) => bookForViewer(viewer, input, nightTimeConsent(formData)),
    () => "/appointments",
  );
}

export async function rescheduleAction(_previous: BookingFormState, formData: FormData): Promise<BookingFormState> {
  formData = formArgument(formData);
  return bookingAction(
    "reschedule",
    formData,
    { schema: rescheduleInput, fields: ["appointmentId", "startsAt", "idempotencyKey"] },
    (viewer, input) => rescheduleForViewer(viewer, input, nightTimeConsent(formData)),
    (appointmentId) => `/appointments/${appointmentId}`,
  );
}

export async function cancelAction(_previous: SimpleFormState, formData: FormData): Promise<SimpleFormState> {
  formData = formArgument(formData);
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = cancelInput.safeParse(fields(formData, ["appointmentId", "confirm"]));
    if (!parsed.success) return { status: "error", message: parsed.error.issues[0]?.message ?? "Invalid request." };
    await cancelForViewer(viewer, parsed.data.appointmentId);
    revalidatePath(`/appointments/${parsed.data.appointmentId}`);
    const t = await getTranslations("appointments.detail");
    return { status: "done", message: t("cancelled") };
  } catch (error) {
    return { status: "error", message: (await describe(error, "cancel")).message };
  }
}

/**
 * An action on one appointment the viewer manages (rotate the link, retry the meeting): the id is checked and
 * access asserted here, so `act` only does its part; an unknown or malformed id reads as not found.
 */
async function managedAppointmentAction(
  context: string,
  formData: FormData,
  act: (viewer: Viewer, appointmentId: string) => Promise<SimpleFormState>,
): Promise<SimpleFormState> {
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = z.uuid().safeParse(formArgument(formData).get("appointmentId"));
    if (!parsed.success) throw new AppError("NOT_FOUND", "Appointment not found.");
    await assertMayManage(viewer, parsed.data);
    return await act(viewer, parsed.data);
  } catch (error) {
    return { status: "error", message: (await describe(error, context)).message };
  }
}

export async function rotateLinkAction(_previous: SimpleFormState, formData: FormData): Promise<SimpleFormState> {
  return managedAppointmentAction("rotate-link", formData, async (viewer, appointmentId) => {
    const { joinToken } = await rotateJoinLink(getDb(), auditActorOf(viewer), appointmentId);
    const t = await getTranslations("appointments.detail");
    return { status: "done", message: t("linkIssued"), joinUrl: joinUrlFor(joinToken) ?? undefined };
  });
}

export async function retryMeetingAction(_previous: SimpleFormState, formData: FormData): Promise<SimpleFormState> {
  return managedAppointmentAction("retry-meeting", formData, async (viewer, appointmentId) => {
    const retried = await retryFailedMeeting(getDb(), auditActorOf(viewer), appointmentId);
    await announceAppointmentChange({ appointmentId, kind: "meetingRetried", replayed: !retried });
    revalidatePath(`/appointments/${appointmentId}`);
    const t = await getTranslations("appointments.detail");
    return { status: "done", message: t("meetingRetrying") };
  });
}
