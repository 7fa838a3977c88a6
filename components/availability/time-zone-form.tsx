"use client";

import { useActionState } from "react";
import { useTranslations } from "next-intl";
import { saveTimeZoneAction } from "@/lib/availability/actions";
import type { TimeZoneFormState } from "@/lib/availability/types";
import { buttonClass, FieldError, FormMessage, inputClass } from "@/components/form-parts";

export function TimeZoneForm({
  clinicianId,
  timeZone,
  zones,
}: {
  clinicianId: string;
  timeZone: string;
  zones: string[];
}) {
  const t = useTranslations("availability.timeZone");
  const [state, formAction, pending] = useActionState<TimeZoneFormState, FormData>(saveTimeZoneAction, {
    status: "idle",
  });
  const value = state.status === "idle" ? timeZone : state.values;
  const error = state.status === "error" ? state.fieldErrors.timeZone : undefined;

  return (
    <form action={formAction} className="flex flex-col gap-3">
      <input type="hidden" name="clinicianId" value={clinicianId} />
      <FormMessage state={state} />
      <div className="flex flex-col gap-1">
        <label htmlFor="clinician-time-zone" className="text-sm font-medium text-slate-800">
          {t("label")}
        </label>
        <div className="flex flex-col gap-2 sm:flex-row">
          <select
            // a new answer re-mounts the select so it shows the saved zone
            key={value}
            id="clinician-time-zone"
            name="timeZone"
            defaultValue={value}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "clinician-time-zone-hint clinician-time-zone-error" : "clinician-time-zone-hint"}
            className={inputClass(Boolean(error), "min-w-0 flex-1")}
          >
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone.replace(/_/g, " ")}
              </option>
            ))}
          </select>
          <button type="submit" disabled={pending} className={buttonClass}>
            {pending ? t("saving") : t("save")}
          </button>
        </div>
        <p id="clinician-time-zone-hint" className="text-sm text-slate-600">
          {t("hint")}
        </p>
        <FieldError id="clinician-time-zone-error" message={error} />
      </div>
    </form>
  );
}
