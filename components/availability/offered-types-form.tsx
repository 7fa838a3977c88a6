"use client";

import { useActionState } from "react";
import { useLocale, useTranslations } from "next-intl";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { saveOfferedTypesAction } from "@/lib/availability/actions";
import type { AppointmentTypeOption, OfferedTypesFormState } from "@/lib/availability/types";
import { buttonClass, FieldError, FormMessage } from "@/components/form-parts";

export function OfferedTypesForm({ clinicianId, types }: { clinicianId: string; types: AppointmentTypeOption[] }) {
  const t = useTranslations("availability.types");
  const locale = useLocale();
  const [state, formAction, pending] = useActionState<OfferedTypesFormState, FormData>(saveOfferedTypesAction, {
    status: "idle",
  });
  // React resets the form after an action; the boxes follow the last answer.
  const checked = new Set(
    state.status === "idle" ? types.filter((type) => type.offered).map((type) => type.id) : state.values,
  );
  const error = state.status === "error" ? state.fieldErrors.appointmentTypeIds : undefined;

  if (types.length === 0) return <p className="text-sm text-slate-600">{t("none")}</p>;

  return (
    <form action={formAction} className="flex flex-col gap-4">
      <input type="hidden" name="clinicianId" value={clinicianId} />
      <FormMessage state={state} />
      <fieldset aria-describedby={error ? "offered-types-error" : undefined}>
        <legend className="text-sm text-slate-700">{t("legend")}</legend>
        <ul className="mt-2 grid gap-2 sm:grid-cols-2">
          {types.map((type) => (
            <li key={type.id}>
              <label className="flex items-center gap-2 rounded-md border border-slate-200 px-3 py-2 hover:bg-slate-50">
                <input
                  type="checkbox"
                  name="appointmentTypeId"
                  value={type.id}
                  defaultChecked={checked.has(type.id)}
                  className="size-4"
                />
                <span>
                  {localizedTypeName(type, locale)}{" "}
                  <span className="text-sm text-slate-600">({t("minutes", { count: type.durationMinutes })})</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
        <FieldError id="offered-types-error" message={error} />
      </fieldset>
      <div>
        <button type="submit" disabled={pending} className={`${buttonClass} w-full sm:w-auto`}>
          {pending ? t("saving") : t("save")}
        </button>
      </div>
    </form>
  );
}
