"use server";
// Server actions of the messages panel (appointment page) and the contact settings (patient page): who is
// asking, may they, parse, write, answer with a translated state. Unexpected failures are logged with ids only.
import "server-only";
import { revalidatePath } from "next/cache";
import { getTranslations } from "next-intl/server";
import { assertMayManage } from "@/lib/appointments/access";
import { announceAppointmentChange } from "@/lib/appointments/jobs";
import { auditActorOf } from "@/lib/audit/mutations";
import { ALL_ROLES, requireViewer } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { AppError, isAppError } from "@/lib/errors";
import { formArgument } from "@/lib/http/form-data";
import { logger } from "@/lib/logger";
import { resendMessages, updateContactSettings } from "./mutations";
import { contactInput, resendInput } from "./schema";

export type MessageFormState =
  { status: "idle" } | { status: "ok"; message: string } | { status: "error"; message: string };

async function failure(error: unknown, action: string): Promise<MessageFormState> {
  const t = await getTranslations("appointments.messages");
  if (isAppError(error))
    return { status: "error", message: error.code === "NOT_FOUND" ? t("notFound") : error.message };
  logger.error({ err: error, action }, "patient message action failed");
  return { status: "error", message: t("unexpected") };
}

/** Staff's "send again": a copy of the current message on the chosen channels, queued now. */
export async function resendMessagesAction(_previous: MessageFormState, formData: FormData): Promise<MessageFormState> {
  formData = formArgument(formData);
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = resendInput.safeParse({
      appointmentId: formData.get("appointmentId"),
      channels: formData.get("channels"),
    });
    if (!parsed.success) throw new AppError("NOT_FOUND", "Appointment not found.");
    const { appointmentId, channels } = parsed.data;
    await assertMayManage(viewer, appointmentId);
    const copies = await resendMessages(getDb(), auditActorOf(viewer), appointmentId, [...channels]);
    await announceAppointmentChange({ appointmentId, kind: "messagesResent", replayed: copies.length === 0 });
    revalidatePath(`/appointments/${appointmentId}`);
    const t = await getTranslations("appointments.messages");
    return { status: "ok", message: t("queued") };
  } catch (error) {
    return failure(error, "message.resend");
  }
}

/** The patient's channels and consent, as staff record them. */
export async function updateContactAction(_previous: MessageFormState, formData: FormData): Promise<MessageFormState> {
  formData = formArgument(formData);
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = contactInput.safeParse({
      patientId: formData.get("patientId"),
      contactPreference: formData.get("contactPreference"),
      consent: formData.get("consent"),
      callsDeclined: formData.get("callsDeclined"),
    });
    if (!parsed.success) throw new AppError("NOT_FOUND", "Patient not found.");
    await updateContactSettings(getDb(), auditActorOf(viewer), parsed.data, new Date());
    revalidatePath(`/patients/${parsed.data.patientId}`);
    const t = await getTranslations("patients.messaging");
    return { status: "ok", message: t("saved") };
  } catch (error) {
    return failure(error, "patient.contact");
  }
}
