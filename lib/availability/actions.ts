"use server";
// Server actions behind the availability forms. Each resolves who is asking, checks that they may edit
// this clinician (requireEditableClinician), and calls one mutation, which parses the input itself.
// Expected failures become translated messages next to the fields; anything unexpected is logged
// (ids only) and shown as a generic error. Every form posts a hidden `clinicianId`.
import "server-only";
import { formArgument } from "@/lib/http/form-data";
import { revalidatePath } from "next/cache";
import { getTranslations } from "next-intl/server";
import type { AuditActor } from "@/lib/audit/mutations";
import { auditActorOf } from "@/lib/audit/mutations";
import { requireViewer } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { getClinician, requireEditableClinician, visitsDuringTimeOff } from "./data";
import {
  addAvailabilityException,
  deleteAvailabilityException,
  replaceWeeklyAvailability,
  setOfferedAppointmentTypes,
  updateClinicianTimeZone,
} from "./mutations";
import { weeklyFormValues, weeklyInputName, weeklyRangesFromForm, weeklyValuesOf } from "./weekly-form";
import type {
  AvailabilityFormState,
  DeleteExceptionState,
  ExceptionFormState,
  ExceptionFormValues,
  OfferedTypesFormState,
  TimeZoneFormState,
  WeeklyFormState,
} from "./types";

const EDITOR_ROLES = ["CLINICIAN", "ADMIN"] as const;

const text = (formData: FormData, name: string) => {
  const value = formData.get(name);
  return typeof value === "string" ? value : "";
};

async function failure<V>(
  values: V,
  messageKey: string,
  fieldErrors: Record<string, string> = {},
): Promise<AvailabilityFormState<V>> {
  const t = await getTranslations("availability.errors");
  const translated = Object.fromEntries(Object.entries(fieldErrors).map(([field, key]) => [field, t(key)]));
  return { status: "error", message: t(messageKey), fieldErrors: translated, values };
}

async function success<V>(values: V, messageKey: string): Promise<AvailabilityFormState<V>> {
  const t = await getTranslations("availability.saved");
  return { status: "ok", message: t(messageKey), values };
}

/**
 * Runs one write for the signed-in viewer on `clinicianId`, revalidates the pages after it, and turns every
 * expected failure into a form state. `fieldName` maps a mutation's error path ("ranges.3.start") to an
 * input's name.
 */
async function attempt<V, R>(
  action: string,
  clinicianId: string,
  values: V,
  write: (actor: AuditActor) => Promise<R>,
  fieldName: (path: string) => string = (path) => path,
): Promise<{ ok: true; result: R } | { ok: false; state: AvailabilityFormState<V> }> {
  try {
    const viewer = await requireViewer(EDITOR_ROLES);
    await requireEditableClinician(viewer, clinicianId);
    const result = await write(auditActorOf(viewer));
    revalidatePath("/availability", "layout");
    return { ok: true, result };
  } catch (error) {
    if (isAppError(error)) {
      switch (error.code) {
        case "UNAUTHENTICATED":
          return { ok: false, state: await failure(values, "signedOut") };
        case "FORBIDDEN":
          return { ok: false, state: await failure(values, "forbidden") };
        case "NOT_FOUND":
          return { ok: false, state: await failure(values, "notFound") };
        case "BAD_REQUEST": {
          const raw = (error.details?.fieldErrors ?? {}) as Record<string, string>;
          const mapped = Object.fromEntries(Object.entries(raw).map(([path, key]) => [fieldName(path), key]));
          return { ok: false, state: await failure(values, "fixFields", mapped) };
        }
      }
    }
    // Never the error message itself: database errors can quote the values that were written.
    const { name, code } = (error ?? {}) as { name?: string; code?: string };
    logger.error({ action, clinicianId, error: { name, code } }, "availability action failed");
    return { ok: false, state: await failure(values, "unexpected") };
  }
}

/** The form's answer to a write: its failure state, or the saved message with the values to show next. */
async function answer<V, R>(
  outcome: Awaited<ReturnType<typeof attempt<V, R>>>,
  messageKey: string,
  shown: (result: R) => V,
): Promise<AvailabilityFormState<V>> {
  return outcome.ok ? success(shown(outcome.result), messageKey) : outcome.state;
}

// --- weekly hours ----------------------------------------------------------------------------------

/** Saves the whole week at once. A row left empty (both times blank) is not a range. */
export async function saveWeeklyAction(_previous: WeeklyFormState, formData: FormData): Promise<WeeklyFormState> {
  formData = formArgument(formData);
  const clinicianId = text(formData, "clinicianId");
  const values = weeklyFormValues(formData);
  const { ranges, inputNames } = weeklyRangesFromForm(values);
  const outcome = await attempt(
    "availability.weekly.update",
    clinicianId,
    values,
    (actor) => replaceWeeklyAvailability(actor, { clinicianId, ranges }),
    (path) => weeklyInputName(path, inputNames),
  );
  return answer(outcome, "weekly", weeklyValuesOf);
}

// --- exceptions ------------------------------------------------------------------------------------

export async function addExceptionAction(
  _previous: ExceptionFormState,
  formData: FormData,
): Promise<ExceptionFormState> {
  formData = formArgument(formData);
  const clinicianId = text(formData, "clinicianId");
  const values: ExceptionFormValues = {
    date: text(formData, "date"),
    kind: text(formData, "kind"),
    start: text(formData, "start"),
    end: text(formData, "end"),
    note: text(formData, "note"),
  };
  const outcome = await attempt("availability.exception.create", clinicianId, values, (actor) =>
    addAvailabilityException(actor, { clinicianId, ...values }),
  );
  if (!outcome.ok) return outcome.state;
  // an empty form for the next one, keeping the kind the person was entering
  const next = { date: "", kind: values.kind, start: "", end: "", note: "" };
  // time off over booked visits: say so; the list below shows each with "reschedule" and "cancel"
  const clinician = await getClinician(clinicianId);
  const affected = clinician
    ? ((await visitsDuringTimeOff(clinician, [outcome.result])).get(outcome.result.id) ?? [])
    : [];
  if (affected.length === 0) return success(next, "exceptionAdded");
  const t = await getTranslations("availability.saved");
  return { status: "ok", message: t("exceptionAddedAffected", { count: affected.length }), values: next };
}

export async function deleteExceptionAction(
  _previous: DeleteExceptionState,
  formData: FormData,
): Promise<DeleteExceptionState> {
  formData = formArgument(formData);
  const clinicianId = text(formData, "clinicianId");
  const exceptionId = text(formData, "exceptionId");
  const outcome = await attempt("availability.exception.delete", clinicianId, null, (actor) =>
    deleteAvailabilityException(actor, { clinicianId, exceptionId }),
  );
  return answer(outcome, "exceptionDeleted", () => null);
}

// --- appointment types and time zone ---------------------------------------------------------------

export async function saveOfferedTypesAction(
  _previous: OfferedTypesFormState,
  formData: FormData,
): Promise<OfferedTypesFormState> {
  formData = formArgument(formData);
  const clinicianId = text(formData, "clinicianId");
  const ids = formData.getAll("appointmentTypeId").filter((value): value is string => typeof value === "string");
  const outcome = await attempt(
    "availability.types.update",
    clinicianId,
    ids,
    (actor) => setOfferedAppointmentTypes(actor, { clinicianId, appointmentTypeIds: ids }),
    // one message for the group of checkboxes, whichever id was wrong
    () => "appointmentTypeIds",
  );
  return answer(outcome, "types", (saved) => saved);
}

export async function saveTimeZoneAction(_previous: TimeZoneFormState, formData: FormData): Promise<TimeZoneFormState> {
  formData = formArgument(formData);
  const clinicianId = text(formData, "clinicianId");
  const timeZone = text(formData, "timeZone");
  const outcome = await attempt("clinician.timezone.update", clinicianId, timeZone, (actor) =>
    updateClinicianTimeZone(actor, { clinicianId, timeZone }),
  );
  return answer(outcome, "timeZone", (saved) => saved);
}
