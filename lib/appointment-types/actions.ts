"use server";
// Server actions behind the admin's appointment-type forms. Admins only; each parses the form with the
// schema the mutations use and answers with a translated state. Unexpected failures are logged with ids only.
import "server-only";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { auditActorOf } from "@/lib/audit/mutations";
import { requireViewer } from "@/lib/auth/session";
import { formFailure } from "@/lib/errors";
import { formArgument } from "@/lib/http/form-data";
import { logger } from "@/lib/logger";
import { createType, removeType, setTypeActive, updateType } from "./mutations";
import {
  formValuesOf,
  TYPE_LIMITS,
  typeFields,
  type LimitedField,
  type TypeErrorKey,
  type TypeFieldErrors,
} from "./schema";
import type { TypeFormState, TypeFormValues, TypeRecord, TypeStatusState } from "./types";

const ADMIN = ["ADMIN"] as const;

function formValues(formData: FormData): TypeFormValues {
  return Object.fromEntries(
    typeFields.map((field) => {
      const value = formData.get(field);
      return [field, typeof value === "string" ? value : ""];
    }),
  ) as TypeFormValues;
}

async function failure(values: TypeFormValues, messageKey: string, fieldErrors: TypeFieldErrors = {}) {
  const t = await getTranslations("appointmentTypes.errors");
  const translated = Object.fromEntries(
    Object.entries(fieldErrors).map(([field, key]) => {
      const limits = TYPE_LIMITS[field as LimitedField] ?? { min: 0, max: 0 };
      return [field, t(key as TypeErrorKey, limits)];
    }),
  );
  return { status: "error" as const, message: t(messageKey), fieldErrors: translated, values };
}

async function failureOf(error: unknown, values: TypeFormValues, action: string): Promise<TypeFormState> {
  const expected = formFailure(error);
  if (expected) return failure(values, expected.key, expected.fieldErrors as TypeFieldErrors);
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  logger.error({ action, error: { name, code } }, "appointment type action failed");
  return failure(values, "unexpected");
}

function revalidate(id?: string) {
  revalidatePath("/admin/appointment-types");
  if (id) revalidatePath(`/admin/appointment-types/${id}`);
}

/** New type; on success the list opens with the new type in it. */
export async function createTypeAction(_previous: TypeFormState, formData: FormData): Promise<TypeFormState> {
  formData = formArgument(formData);
  const values = formValues(formData);
  let created: TypeRecord;
  try {
    const viewer = await requireViewer(ADMIN);
    created = await createType(auditActorOf(viewer), values);
  } catch (error) {
    return failureOf(error, values, "appointment-type.create");
  }
  revalidate();
  redirect(`/admin/appointment-types?created=${created.id}`);
}

/** Edit form: hidden `id` and `updatedAt` (the version shown). */
export async function updateTypeAction(_previous: TypeFormState, formData: FormData): Promise<TypeFormState> {
  formData = formArgument(formData);
  const values = formValues(formData);
  const id = String(formData.get("id") ?? "");
  try {
    const viewer = await requireViewer(ADMIN);
    const type = await updateType(auditActorOf(viewer), {
      id,
      type: values,
      expectedUpdatedAt: String(formData.get("updatedAt") ?? ""),
    });
    revalidate(id);
    const t = await getTranslations("appointmentTypes.form");
    return {
      status: "ok",
      message: t("saved"),
      values: formValuesOf(type),
      updatedAt: type.updatedAt.toISOString(),
    };
  } catch (error) {
    return failureOf(error, values, "appointment-type.update");
  }
}

/** Retire, reinstate or remove (hidden `id` and `intent`). Removing a type in use retires it. */
export async function changeTypeStatusAction(_previous: TypeStatusState, formData: FormData): Promise<TypeStatusState> {
  formData = formArgument(formData);
  const id = String(formData.get("id") ?? "");
  const intent = String(formData.get("intent") ?? "");
  const t = await getTranslations("appointmentTypes.status");
  let message: string;
  try {
    const viewer = await requireViewer(ADMIN);
    const actor = auditActorOf(viewer);
    if (intent === "retire") {
      await setTypeActive(actor, id, false);
      message = t("retired");
    } else if (intent === "reinstate") {
      await setTypeActive(actor, id, true);
      message = t("reinstated");
    } else if (intent === "remove") {
      message = (await removeType(actor, id)) === "deleted" ? "" : t("retiredInUse");
    } else {
      return { status: "error", message: t("unknownIntent") };
    }
  } catch (error) {
    const state = await failureOf(error, formValues(new FormData()), `appointment-type.${intent}`);
    return { status: "error", message: state.status === "error" ? state.message : t("unknownIntent") };
  }
  revalidate(id);
  // a deleted type has no page left: back to the list, which no longer shows it
  if (!message) redirect("/admin/appointment-types?deleted=1");
  return { status: "ok", message };
}
