"use client";

import Link from "next/link";
import { useActionState, useEffect, useId, useRef } from "react";
import { useLocale, useTranslations } from "next-intl";
import { FieldError, FormMessage, inputClass, secondaryButtonClass, TextField } from "@/components/form-parts";
import { formatCalendarDate } from "@/lib/format";
import { createPatientAction, updatePatientAction } from "@/lib/patients/actions";
import type { PatientDuplicate, PatientField, PatientFormState, PatientFormValues } from "@/lib/patients/types";

const idle: PatientFormState = { status: "idle" };

type Props = { timeZones: string[]; locales: readonly string[] } & (
  | { mode: "create"; initial: PatientFormValues }
  | { mode: "update"; initial: PatientFormValues; patientId: string; updatedAt: string }
);

export function PatientForm(props: Props) {
  const t = useTranslations("patients.form");
  const language = useTranslations("language");
  const action = props.mode === "create" ? createPatientAction : updatePatientAction;
  const [state, formAction, pending] = useActionState(action, idle);
  const formRef = useRef<HTMLFormElement>(null);

  // React resets the form after an action; defaults follow the last answer so typing is not lost.
  const values = state.status === "idle" ? props.initial : state.values;
  const errors: Partial<Record<PatientField, string>> = state.status === "error" ? state.fieldErrors : {};
  // after a save the record has a new version; the next save must compare against that one
  const updatedAt = props.mode === "update" ? (state.status === "ok" ? state.updatedAt : props.updatedAt) : null;
  const idPrefix = useId();

  // Keyboard and screen-reader users land on the first field that needs fixing, or on the likely duplicates.
  useEffect(() => {
    if (state.status === "duplicates")
      formRef.current?.querySelector<HTMLElement>("#" + CSS.escape(`${idPrefix}-dup`))?.focus();
    if (state.status !== "error") return;
    formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
  }, [state, idPrefix]);

  const field = (name: PatientField) => ({
    id: `${idPrefix}-${name}`,
    name,
    defaultValue: values[name],
    error: errors[name],
  });

  return (
    <form ref={formRef} action={formAction} noValidate className="grid gap-4 sm:grid-cols-2">
      {props.mode === "update" && (
        <>
          <input type="hidden" name="id" value={props.patientId} />
          <input type="hidden" name="updatedAt" value={updatedAt ?? ""} />
        </>
      )}
      <FormMessage state={state} className="sm:col-span-2" />
      {state.status === "duplicates" && (
        <DuplicateWarning
          id={`${idPrefix}-dup`}
          message={state.message}
          duplicates={state.duplicates}
          pending={pending}
        />
      )}
      <TextField label={t("firstName")} required autoComplete="off" {...field("firstName")} />
      <TextField label={t("lastName")} required autoComplete="off" {...field("lastName")} />
      <TextField
        label={t("phone")}
        optional={t("optional")}
        hint={t("phoneHint")}
        type="tel"
        inputMode="tel"
        autoComplete="off"
        {...field("phone")}
      />
      <TextField label={t("email")} optional={t("optional")} type="email" autoComplete="off" {...field("email")} />
      <TextField
        label={t("birthDate")}
        optional={t("optional")}
        hint={t("birthDateHint")}
        type="date"
        min="1900-01-01"
        autoComplete="off"
        {...field("birthDate")}
      />
      <div className="flex flex-col gap-1">
        <label htmlFor={`${idPrefix}-locale`} className="text-sm font-medium text-slate-800">
          {t("locale")}
        </label>
        <select
          id={`${idPrefix}-locale`}
          name="locale"
          defaultValue={values.locale}
          aria-invalid={errors.locale ? true : undefined}
          aria-describedby={errors.locale ? `${idPrefix}-locale-error` : undefined}
          className={inputClass(Boolean(errors.locale))}
        >
          {props.locales.map((locale) => (
            <option key={locale} value={locale}>
              {language(locale)}
            </option>
          ))}
        </select>
        <FieldError id={`${idPrefix}-locale-error`} message={errors.locale} />
      </div>
      <TextField
        label={t("timeZone")}
        hint={t("timeZoneHint")}
        list={`${idPrefix}-zones`}
        autoComplete="off"
        spellCheck={false}
        {...field("timeZone")}
      />
      <datalist id={`${idPrefix}-zones`}>
        {props.timeZones.map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
      <div className="sm:col-span-2">
        <button
          type="submit"
          disabled={pending}
          className="w-full rounded-md bg-brand-700 px-5 py-2.5 text-base font-semibold text-white shadow hover:bg-brand-900 disabled:cursor-wait disabled:opacity-70 sm:w-auto"
        >
          {pending ? t("saving") : props.mode === "create" ? t("create") : t("save")}
        </button>
      </div>
    </form>
  );
}

/** Records that look like the person being registered: open one instead, or register a new one anyway. */
function DuplicateWarning({
  id,
  message,
  duplicates,
  pending,
}: {
  id: string;
  message: string;
  duplicates: PatientDuplicate[];
  pending: boolean;
}) {
  const t = useTranslations("patients.duplicates");
  const locale = useLocale();
  return (
    <section
      id={id}
      tabIndex={-1}
      aria-labelledby={`${id}-title`}
      className="rounded-md border border-amber-300 bg-amber-50 p-4 sm:col-span-2"
    >
      <p id={`${id}-title`} role="alert" className="font-semibold text-amber-900">
        {message}
      </p>
      <p className="mt-1 text-sm text-slate-800">{t("lead")}</p>
      <ul className="mt-3 space-y-2">
        {duplicates.map((d) => (
          <li key={d.id} className="rounded border border-amber-200 bg-white p-3">
            <Link href={`/patients/${d.id}`} className="font-medium text-brand-700 underline hover:text-brand-900">
              {t("open", { name: `${d.firstName} ${d.lastName}` })}
            </Link>
            <p className="mt-1 text-sm text-slate-700">
              {[
                d.phoneMasked ? t("phone", { last4: d.phoneMasked.slice(-4) }) : null,
                d.birthDate ? t("born", { date: formatCalendarDate(d.birthDate, locale) }) : null,
              ]
                .filter(Boolean)
                .join(" · ")}
            </p>
            <p className="text-sm text-amber-900">{d.reasons.map((reason) => t(`reasons.${reason}`)).join(" ")}</p>
          </li>
        ))}
      </ul>
      <button
        type="submit"
        name="allowDuplicate"
        value="yes"
        disabled={pending}
        className={`${secondaryButtonClass} mt-3`}
      >
        {t("createAnyway")}
      </button>
    </section>
  );
}
