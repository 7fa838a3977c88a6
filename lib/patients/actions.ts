"use server";
// Server actions behind the patient forms. They resolve who is asking, parse the form with the same
// schema the mutations use, and answer with a typed, translated result: expected failures become
// messages next to the fields; anything unexpected is logged (ids only) and shown as a generic error.
import { formArgument } from "@/lib/http/form-data";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import type { AuditActor } from "@/lib/audit/mutations";
import { ALL_ROLES, requireViewer } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { auditActorOf, createPatient, updatePatient } from "./mutations";
import {
  patientCreateSchema,
  patientFieldErrors,
  patientFields,
  type PatientData,
  type PatientErrorKey,
  type PatientFieldErrors,
} from "./schema";
import type { PatientFormState, PatientFormValues, PatientRecord } from "./types";

function formValues(formData: FormData): PatientFormValues {
  const entries = patientFields.map((field) => {
    const value = formData.get(field);
    return [field, typeof value === "string" ? value : ""] as const;
  });
  return Object.fromEntries(entries) as PatientFormValues;
}

function savedValues(patient: PatientRecord): PatientFormValues {
  return {
    firstName: patient.firstName,
    lastName: patient.lastName,
    email: patient.email ?? "",
    phone: patient.phone ?? "",
    locale: patient.locale,
    timeZone: patient.timeZone,
  };
}

type Outcome = { ok: true; patient: PatientRecord } | { ok: false; state: PatientFormState };

async function failure(
  values: PatientFormValues,
  messageKey: string,
  fieldErrors: PatientFieldErrors = {},
): Promise<Outcome> {
  const t = await getTranslations("patients.errors");
  const translated = Object.fromEntries(
    Object.entries(fieldErrors).map(([field, key]) => [field, t(key as PatientErrorKey)]),
  );
  return { ok: false, state: { status: "error", ok: false, message: t(messageKey), fieldErrors: translated, values } };
}

/** Runs one write for the signed-in viewer and turns every failure into a form state. */
async function attempt(
  action: string,
  patientId: string | null,
  values: PatientFormValues,
  write: (actor: AuditActor, data: PatientData) => Promise<PatientRecord>,
): Promise<Outcome> {
  try {
    // Anyone on the clinic side may register or correct a patient: reception books, clinicians fix details.
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = patientCreateSchema.safeParse(values);
    if (!parsed.success) return failure(values, "fixFields", patientFieldErrors(parsed.error));
    return { ok: true, patient: await write(auditActorOf(viewer), parsed.data) };
  } catch (error) {
    if (isAppError(error)) {
      switch (error.code) {
        case "UNAUTHENTICATED":
          return failure(values, "signedOut");
        case "FORBIDDEN":
          return failure(values, "forbidden");
        case "NOT_FOUND":
          return failure(values, "notFound");
        case "CONFLICT":
          return failure(values, "conflict");
        case "BAD_REQUEST":
          return failure(values, "fixFields", (error.details?.fieldErrors ?? {}) as PatientFieldErrors);
      }
    }
    // Never the error message itself: database errors can quote the values that were written.
    const { name, code } = (error ?? {}) as { name?: string; code?: string };
    logger.error({ action, patientId, error: { name, code } }, "patient action failed");
    return failure(values, "unexpected");
  }
}

/** New patient form. On success it navigates to the new record (works without JavaScript too). */
export async function createPatientAction(_previous: PatientFormState, formData: FormData): Promise<PatientFormState> {
  formData = formArgument(formData);
  const values = formValues(formData);
  const outcome = await attempt("patient.create", null, values, (actor, data) => createPatient(actor, data));
  if (!outcome.ok) return outcome.state;
  revalidatePath("/patients");
  redirect(`/patients/${outcome.patient.id}?created=1`);
}

/** Edit form: hidden fields `id` and `updatedAt` (the version shown) guard against overwriting. */
export async function updatePatientAction(_previous: PatientFormState, formData: FormData): Promise<PatientFormState> {
  formData = formArgument(formData);
  const values = formValues(formData);
  const id = String(formData.get("id") ?? "");
  const expectedUpdatedAt = String(formData.get("updatedAt") ?? "");
  const outcome = await attempt("patient.update", id, values, (actor, patient) =>
    updatePatient(actor, { id, patient, expectedUpdatedAt }),
  );
  if (!outcome.ok) return outcome.state;
  revalidatePath("/patients");
  revalidatePath(`/patients/${id}`);
  const t = await getTranslations("patients.form");
  return {
    status: "ok",
    ok: true,
    message: t("saved"),
    values: savedValues(outcome.patient),
    updatedAt: outcome.patient.updatedAt.toISOString(),
  };
}
