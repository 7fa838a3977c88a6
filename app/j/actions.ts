"use server";

import { formArgument } from "@/lib/http/form-data";
import { redirect } from "next/navigation";
import { cancelByPatient, confirmByPatient } from "@/lib/appointments/patient-link-service";
import { requestClientAddress } from "@/lib/audit/request";
import { isAppError } from "@/lib/errors";
import { isLocale } from "@/lib/i18n/locales";
import { logger } from "@/lib/logger";

// Plain form posts from the patient page (no JavaScript needed). The token in the form is the
// credential; the outcome comes back as a query flag the page turns into a message, in the language the
// patient was reading (`lang`, when they switched).
async function act(
  formData: FormData,
  run: (token: string, now: Date, ip: string | null) => Promise<void>,
  done: string,
) {
  const token = String(formData.get("token") ?? "");
  const lang = formData.get("lang");
  let outcome = done;
  try {
    await run(token, new Date(), await requestClientAddress());
  } catch (error) {
    if (!isAppError(error)) logger.error({ err: error }, "patient link action failed");
    outcome = isAppError(error) && error.code === "NOT_FOUND" ? "invalid" : "refused";
  }
  const query = new URLSearchParams({ done: outcome, ...(isLocale(lang) ? { lang } : {}) });
  redirect(`/j/${encodeURIComponent(token)}?${query.toString()}`);
}

export async function confirmFromLink(formData: FormData): Promise<void> {
  formData = formArgument(formData);
  await act(formData, confirmByPatient, "confirmed");
}

export async function cancelFromLink(formData: FormData): Promise<void> {
  formData = formArgument(formData);
  await act(formData, cancelByPatient, "cancelled");
}
