"use server";

import { formArgument } from "@/lib/http/form-data";
import { redirect } from "next/navigation";
import { cancelByPatient, confirmByPatient } from "@/lib/appointments/patient-link";
import { requestClientAddress } from "@/lib/audit/request";
import { isAppError } from "@/lib/errors";
import { enqueueMeetingSync } from "@/lib/jobs/boss";
import { logger } from "@/lib/logger";

// Plain form posts from the patient page (no JavaScript needed). The token in the form is the
// credential; the outcome comes back as a query flag the page turns into a message.
async function act(
  formData: FormData,
  run: (token: string, now: Date, ip: string | null) => Promise<void>,
  done: string,
) {
  const token = String(formData.get("token") ?? "");
  let outcome = done;
  try {
    await run(token, new Date(), await requestClientAddress());
  } catch (error) {
    if (!isAppError(error)) logger.error({ err: error }, "patient link action failed");
    outcome = isAppError(error) && error.code === "NOT_FOUND" ? "invalid" : "refused";
  }
  redirect(`/j/${encodeURIComponent(token)}?done=${outcome}`);
}

export async function confirmFromLink(formData: FormData): Promise<void> {
  formData = formArgument(formData);
  await act(formData, confirmByPatient, "confirmed");
}

export async function cancelFromLink(formData: FormData): Promise<void> {
  formData = formArgument(formData);
  await act(
    formData,
    async (token, now, ip) => {
      const appointmentId = await cancelByPatient(token, now, ip);
      // the meeting is deleted by the job queue; the sweep retries if queueing fails now
      await enqueueMeetingSync(appointmentId).catch((error: unknown) =>
        logger.warn({ err: error, appointmentId }, "could not queue meeting sync"),
      );
    },
    "cancelled",
  );
}
