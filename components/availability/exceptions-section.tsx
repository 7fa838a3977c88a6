"use client";

import { useActionState, useEffect, useId, useRef } from "react";
import { useTranslations } from "next-intl";
import { addExceptionAction, deleteExceptionAction } from "@/lib/availability/actions";
import type { DeleteExceptionState, ExceptionFormState, ExceptionFormValues } from "@/lib/availability/types";
import { buttonClass, FieldError, FormMessage, inputClass, secondaryButtonClass } from "@/components/form-parts";
import { CancelForm } from "@/components/appointments/appointment-actions";
import { cancelAction } from "@/lib/appointments/actions";
import Link from "next/link";

/** One upcoming exception, already described in the viewer's language by the server. */
export interface ExceptionItem {
  id: string;
  dateLabel: string;
  kind: "TIME_OFF" | "EXTRA_HOURS";
  /** "08:00–12:00", or null for a whole day off */
  timeLabel: string | null;
  note: string | null;
  /** booked visits this time off covers, already described: each to move or cancel */
  affected: { id: string; when: string; patient: string; type: string }[];
}

const blank: ExceptionFormValues = { date: "", kind: "TIME_OFF", start: "", end: "", note: "" };

export function ExceptionsSection({
  clinicianId,
  today,
  items,
}: {
  clinicianId: string;
  today: string;
  items: ExceptionItem[];
}) {
  const t = useTranslations("availability.exceptions");
  const [addState, addAction, adding] = useActionState<ExceptionFormState, FormData>(addExceptionAction, {
    status: "idle",
  });
  const [deleteState, deleteAction, deleting] = useActionState<DeleteExceptionState, FormData>(deleteExceptionAction, {
    status: "idle",
  });
  const values = addState.status === "idle" ? blank : addState.values;
  const errors: Record<string, string | undefined> = addState.status === "error" ? addState.fieldErrors : {};
  const idPrefix = useId();
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (addState.status !== "error") return;
    formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
  }, [addState]);

  const describedBy = (name: string, hint?: string) =>
    [hint, errors[name] ? `${idPrefix}-${name}-error` : null].filter(Boolean).join(" ") || undefined;

  return (
    <div className="flex flex-col gap-6">
      <div>
        <h3 className="font-semibold text-slate-800">{t("upcoming")}</h3>
        <FormMessage state={deleteState} />
        {items.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">{t("none")}</p>
        ) : (
          <ul className="mt-2 divide-y divide-slate-100 rounded-md border border-slate-200">
            {items.map((item) => {
              const kind = t(`kinds.${item.kind}`);
              return (
                <li key={item.id} className="flex flex-wrap items-center justify-between gap-2 px-3 py-2">
                  <div>
                    <p className="font-medium text-slate-900">{item.dateLabel}</p>
                    <p className="text-sm text-slate-700">
                      {kind} · {item.timeLabel ?? t("wholeDay")}
                      {item.note && <span className="text-slate-500"> · {item.note}</span>}
                    </p>
                  </div>
                  <form action={deleteAction}>
                    <input type="hidden" name="clinicianId" value={clinicianId} />
                    <input type="hidden" name="exceptionId" value={item.id} />
                    <button
                      type="submit"
                      disabled={deleting}
                      className={secondaryButtonClass}
                      aria-label={t("deleteLabel", { kind, date: item.dateLabel })}
                    >
                      {t("delete")}
                    </button>
                  </form>
                  {item.affected.length > 0 && (
                    <AffectedVisits items={item.affected} label={t("affectedTitle", { count: item.affected.length })} />
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </div>

      <form ref={formRef} action={addAction} noValidate className="flex flex-col gap-4">
        <h3 className="font-semibold text-slate-800">{t("add")}</h3>
        <input type="hidden" name="clinicianId" value={clinicianId} />
        <FormMessage state={addState} />
        <div className="grid gap-4 sm:grid-cols-2">
          <div className="flex flex-col gap-1">
            <label htmlFor={`${idPrefix}-date`} className="text-sm font-medium text-slate-800">
              {t("date")}
            </label>
            <input
              id={`${idPrefix}-date`}
              name="date"
              type="date"
              min={today}
              required
              aria-required
              defaultValue={values.date}
              aria-invalid={errors.date ? true : undefined}
              aria-describedby={describedBy("date")}
              className={inputClass(Boolean(errors.date))}
            />
            <FieldError id={`${idPrefix}-date-error`} message={errors.date} />
          </div>
          <fieldset className="flex flex-col gap-1" aria-describedby={describedBy("kind")}>
            <legend className="text-sm font-medium text-slate-800">{t("kind")}</legend>
            <div className="flex flex-wrap gap-4 py-2">
              {(["TIME_OFF", "EXTRA_HOURS"] as const).map((kind) => (
                <label key={kind} className="flex items-center gap-2">
                  <input type="radio" name="kind" value={kind} defaultChecked={values.kind === kind} />
                  {t(`kinds.${kind}`)}
                </label>
              ))}
            </div>
            <FieldError id={`${idPrefix}-kind-error`} message={errors.kind} />
          </fieldset>
          <div className="flex flex-col gap-1">
            <label htmlFor={`${idPrefix}-start`} className="text-sm font-medium text-slate-800">
              {t("start")}
              <span className="ml-1 font-normal text-slate-500">({t("optional")})</span>
            </label>
            <input
              id={`${idPrefix}-start`}
              name="start"
              inputMode="numeric"
              placeholder="08:00"
              autoComplete="off"
              defaultValue={values.start}
              aria-invalid={errors.start ? true : undefined}
              aria-describedby={describedBy("start", `${idPrefix}-times-hint`)}
              className={inputClass(Boolean(errors.start), "font-mono")}
            />
            <FieldError id={`${idPrefix}-start-error`} message={errors.start} />
          </div>
          <div className="flex flex-col gap-1">
            <label htmlFor={`${idPrefix}-end`} className="text-sm font-medium text-slate-800">
              {t("end")}
              <span className="ml-1 font-normal text-slate-500">({t("optional")})</span>
            </label>
            <input
              id={`${idPrefix}-end`}
              name="end"
              inputMode="numeric"
              placeholder="12:00"
              autoComplete="off"
              defaultValue={values.end}
              aria-invalid={errors.end ? true : undefined}
              aria-describedby={describedBy("end", `${idPrefix}-times-hint`)}
              className={inputClass(Boolean(errors.end), "font-mono")}
            />
            <FieldError id={`${idPrefix}-end-error`} message={errors.end} />
          </div>
          <p id={`${idPrefix}-times-hint`} className="text-sm text-slate-600 sm:col-span-2">
            {t("timesHint")}
          </p>
          <div className="flex flex-col gap-1 sm:col-span-2">
            <label htmlFor={`${idPrefix}-note`} className="text-sm font-medium text-slate-800">
              {t("note")}
              <span className="ml-1 font-normal text-slate-500">({t("optional")})</span>
            </label>
            <input
              id={`${idPrefix}-note`}
              name="note"
              maxLength={200}
              autoComplete="off"
              defaultValue={values.note}
              aria-invalid={errors.note ? true : undefined}
              aria-describedby={describedBy("note")}
              className={inputClass(Boolean(errors.note))}
            />
            <FieldError id={`${idPrefix}-note-error`} message={errors.note} />
          </div>
        </div>
        <div>
          <button type="submit" disabled={adding} className={`${buttonClass} w-full sm:w-auto`}>
            {adding ? t("adding") : t("submit")}
          </button>
        </div>
      </form>
    </div>
  );
}

/** The booked visits a time off covers: each can be moved (its reschedule page) or cancelled here. */
function AffectedVisits({ items, label }: { items: ExceptionItem["affected"]; label: string }) {
  const t = useTranslations("availability.exceptions");
  return (
    <div className="basis-full rounded-md border border-amber-300 bg-amber-50 p-3" role="group" aria-label={label}>
      <p className="font-medium text-amber-900">{label}</p>
      <ul className="mt-2 space-y-3">
        {items.map((visit) => (
          <li key={visit.id} data-testid="affected-visit" className="rounded border border-amber-200 bg-white p-2">
            <p>
              <span className="font-medium">{visit.when}</span> · {visit.patient} · {visit.type}
            </p>
            <div className="mt-2 flex flex-wrap items-start gap-3">
              <Link
                href={`/appointments/${visit.id}/reschedule`}
                className="rounded border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-100"
                aria-label={t("rescheduleVisit", { patient: visit.patient, when: visit.when })}
              >
                {t("reschedule")}
              </Link>
              <CancelForm appointmentId={visit.id} action={cancelAction} />
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
