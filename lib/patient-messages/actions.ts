"use server";
// Server actions of the messages panel (appointment page) and the contact settings (patient page): who is
// asking, may they, parse, write, answer with a translated state. Unexpected failures are logged with ids only.
import "server-only";
import { revalidatePath } from "next/cache";
import { getTranslations } from "next-intl/server";
import type { z } from "zod";
import { assertMayManage } from "@/lib/appointments/access";
import { announceAppointmentChange } from "@/lib/appointments/jobs";
import { auditActorOf } from "@/lib/audit/mutations";
import { ALL_ROLES, requireViewer, type Viewer } from "@/lib/auth/session";
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

/**
 * One form: who is asking, the fields parsed by `schema` (a malformed id reads as `notFound`, the form sends
 * ids only), then `act`; failures become the panel's translated message.
 */
async function messageAction<S extends z.ZodType>(
  action: string,
  fields: Record<string, FormDataEntryValue | null>,
  schema: S,
  notFound: string,
  act: (viewer: Viewer, input: z.output<S>) => Promise<MessageFormState>,
): Promise<MessageFormState> {
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = schema.safeParse(fields);
    if (!parsed.success) throw new AppError("NOT_FOUND", notFound);
    return await act(viewer, parsed.data);
  } catch (error) {
    return failure(error, action);
  }
}

/** Staff's "send again": a copy of the current message on the chosen channels, queued now. */
export async function resendMessagesAction(_previous: MessageFormState, formData: FormData): Promise<MessageFormState> {
  formData = formArgument(formData);
  const fields = { appointmentId: formData.get("appointmentId"), channels: formData.get("channels") };
  return messageAction("message.resend", fields, resendInput, "Appointment not found.", async (viewer, input) => {
    const { appointmentId, channels } = input;
    await assertMayManage(viewer, appointmentId);
    const copies = await resendMessages(getDb(), auditActorOf(viewer), appointmentId, [...channels]);
    await announceAppointmentChange({ appointmentId, kind: "messagesResent", replayed: copies.length === 0 });
    revalidatePath(`/appointments/${appointmentId}`);
    const t = await getTranslations("appointments.messages");
    return { status: "ok", message: t("queued") };
  });
}

/** The patient's channels and consent, as staff record them. */
export async function updateContactAction(_previous: MessageFormState, formData: FormData): Promise<MessageFormState> {
  formData = formArgument(formData);
  const fields = Object.fromEntries(
    ["patientId", "contactPreference", "consent", "callsDeclined"].map((name) => [name, formData.get(name)]),
  );
  return messageAction("patient.contact", fields, contactInput, "Patient not found.", async (viewer, input) => {
    await updateContactSettings(getDb(), auditActorOf(viewer), input, new Date());
    revalidatePath(`/patients/${input.patientId}`);
    const t = await getTranslations("patients.messaging");
    return { status: "ok", message: t("saved") };
  });
}
