"use server";
// Server actions behind the patient forms. They resolve who is asking, parse the form with the same
// schema the mutations use, and answer with a typed, translated result: expected failures become
// messages next to the fields; anything unexpected is logged (ids only) and shown as a generic error.
import "server-only";
import { formArgument } from "@/lib/http/form-data";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { auditActorOf, type AuditActor } from "@/lib/audit/mutations";
import { ALL_ROLES, requireViewer } from "@/lib/auth/session";
import { formFailure, isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { findDuplicatePatients } from "./data";
import { createPatient, mergePatients, updatePatient } from "./mutations";
import {
  patientCreateSchema,
  patientFieldErrors,
  patientFields,
  type PatientData,
  type PatientErrorKey,
  type PatientFieldErrors,
} from "./schema";
import type { PatientDuplicate, PatientFormState, PatientFormValues, PatientRecord } from "./types";

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
    birthDate: patient.birthDate ?? "",
  };
}

type Outcome = { ok: true; patient: PatientRecord } | { ok: false; state: PatientFormState };

async function duplicatesFound(values: PatientFormValues, duplicates: PatientDuplicate[]): Promise<Outcome> {
  const t = await getTranslations("patients.duplicates");
  return {
    ok: false,
    state: { status: "duplicates", ok: false, message: t("found", { count: duplicates.length }), duplicates, values },
  };
}

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
  check?: (data: PatientData) => Promise<PatientDuplicate[]>,
): Promise<Outcome> {
  try {
    // Anyone on the clinic side may register or correct a patient: reception books, clinicians fix details.
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = patientCreateSchema.safeParse(values);
    if (!parsed.success) return failure(values, "fixFields", patientFieldErrors(parsed.error));
    const duplicates = check ? await check(parsed.data) : [];
    if (duplicates.length > 0) return duplicatesFound(values, duplicates);
    return { ok: true, patient: await write(auditActorOf(viewer), parsed.data) };
  } catch (error) {
    const expected = formFailure(error);
    if (expected) return failure(values, expected.key, expected.fieldErrors as PatientFieldErrors);
    // Never the error message itself: database errors can quote the values that were written.
    const { name, code } = (error ?? {}) as { name?: string; code?: string };
    logger.error({ action, patientId, error: { name, code } }, "patient action failed");
    return failure(values, "unexpected");
  }
}

/**
 * New patient form. A record that looks like the same person (the same phone, or the same name and birth
 * date) is offered first and nothing is saved; the form's "register anyway" button sends `allowDuplicate=yes`.
 * On success it navigates to the new record (works without JavaScript too).
 */
export async function createPatientAction(_previous: PatientFormState, formData: FormData): Promise<PatientFormState> {
  formData = formArgument(formData);
  const values = formValues(formData);
  const allowDuplicate = formData.get("allowDuplicate") === "yes";
  const outcome = await attempt(
    "patient.create",
    null,
    values,
    (actor, data) => createPatient(actor, data),
    allowDuplicate ? undefined : (data) => findDuplicatePatients(data),
  );
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

export type MergeFormState = { status: "idle" } | { status: "error"; message: string };

/**
 * Merges two records (hidden `a` and `b`, the chosen `keepId`, the `confirm` box). Any role on the clinic side, like
 * editing a record. On success it opens the kept record, which says what moved.
 */
export async function mergePatientsAction(_previous: MergeFormState, formData: FormData): Promise<MergeFormState> {
  formData = formArgument(formData);
  const text = (name: string) => String(formData.get(name) ?? "");
  // the form posts the pair (`a`, `b`) and which of them stays; a `keepId` outside the pair merges nothing
  const [a, b, keepId] = [text("a"), text("b"), text("keepId")];
  const input = { keepId, mergeId: keepId === a ? b : keepId === b ? a : keepId, confirm: text("confirm") };
  const t = await getTranslations("patients.merge.errors");
  let keptId: string;
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const result = await mergePatients(auditActorOf(viewer), input);
    keptId = result.keptId;
  } catch (error) {
    if (isAppError(error)) {
      switch (error.code) {
        case "UNAUTHENTICATED":
          return { status: "error", message: t("signedOut") };
        case "FORBIDDEN":
          return { status: "error", message: t("forbidden") };
        case "NOT_FOUND":
          return { status: "error", message: t("notFound") };
        case "BAD_REQUEST":
          return { status: "error", message: error.details?.reason === "mergeSame" ? t("same") : t("confirm") };
      }
    }
    const { name, code } = (error ?? {}) as { name?: string; code?: string };
    logger.error({ action: "patient.merge", error: { name, code } }, "patient action failed");
    return { status: "error", message: t("unexpected") };
  }
  revalidatePath("/patients");
  redirect(`/patients/${keptId}?merged=1`);
}
