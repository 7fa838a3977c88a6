"use client";

import { useActionState, useEffect, useRef, useState } from "react";
import { useTranslations } from "next-intl";
import { saveWeeklyAction } from "@/lib/availability/actions";
import type { WeeklyFormState, WeeklyFormValues } from "@/lib/availability/types";
import { buttonClass, FieldError, FormMessage, inputClass, secondaryButtonClass } from "@/components/form-parts";

const WEEKDAYS = ["1", "2", "3", "4", "5", "6", "7"] as const;
const WORKDAYS = ["2", "3", "4", "5"] as const;

type Row = { key: number; start: string; end: string };
type Days = Record<string, Row[]>;

const isBlank = (row: { start: string; end: string }) => row.start.trim() === "" && row.end.trim() === "";

// Every day ends with one empty row: without JavaScript that is how a range is added (fill it in and
// save); emptying a row's two times removes it.
function toDays(values: WeeklyFormValues): Days {
  let key = 0;
  return Object.fromEntries(
    WEEKDAYS.map((day) => {
      const rows = (values[day] ?? []).map((row) => ({ key: key++, ...row }));
      const last = rows[rows.length - 1];
      if (!last || !isBlank(last)) rows.push({ key: key++, start: "", end: "" });
      return [day, rows];
    }),
  );
}

const nextKey = (days: Days) => Math.max(0, ...Object.values(days).flatMap((rows) => rows.map((r) => r.key))) + 1;

export function WeeklyHoursForm({ clinicianId, initial }: { clinicianId: string; initial: WeeklyFormValues }) {
  const t = useTranslations("availability.weekly");
  const weekdayName = useTranslations("availability.weekdays");
  const [state, formAction, pending] = useActionState<WeeklyFormState, FormData>(saveWeeklyAction, { status: "idle" });
  const [days, setDays] = useState<Days>(() => toDays(initial));
  // After each answer the rows follow what the server echoed (normalised on success, as typed on error).
  const [answered, setAnswered] = useState(state);
  if (answered !== state) {
    setAnswered(state);
    if (state.status !== "idle") setDays(toDays(state.values));
  }
  const errors = state.status === "error" ? state.fieldErrors : {};
  const formRef = useRef<HTMLFormElement>(null);

  // Keyboard and screen-reader users land on the first field that needs fixing.
  useEffect(() => {
    if (state.status !== "error") return;
    formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
  }, [state]);

  const update = (day: string, key: number, part: "start" | "end", value: string) =>
    setDays((prev) => ({
      ...prev,
      [day]: prev[day]!.map((row) => (row.key === key ? { ...row, [part]: value } : row)),
    }));
  const remove = (day: string, key: number) =>
    setDays((prev) => {
      const rows = prev[day]!.filter((row) => row.key !== key);
      return { ...prev, [day]: rows.length > 0 ? rows : [{ key: nextKey(prev), start: "", end: "" }] };
    });
  const add = (day: string) =>
    setDays((prev) => ({ ...prev, [day]: [...prev[day]!, { key: nextKey(prev), start: "", end: "" }] }));
  const copyMonday = () =>
    setDays((prev) => {
      let key = nextKey(prev);
      const copy = () => prev["1"]!.map((row) => ({ ...row, key: key++ }));
      return { ...prev, ...Object.fromEntries(WORKDAYS.map((day) => [day, copy()])) };
    });

  return (
    <form ref={formRef} action={formAction} noValidate className="flex flex-col gap-4">
      <input type="hidden" name="clinicianId" value={clinicianId} />
      <p id="weekly-hint" className="text-sm text-slate-600">
        {t("hint")}
      </p>
      <FormMessage state={state} />
      {errors.form && <FieldError id="weekly-form-error" message={errors.form} />}
      <div className="grid gap-3 lg:grid-cols-2">
        {WEEKDAYS.map((day) => {
          const rows = days[day]!;
          const dayName = weekdayName(day);
          return (
            <fieldset key={day} className="rounded-md border border-slate-200 p-3">
              <legend className="px-1 font-semibold text-slate-800">{dayName}</legend>
              {rows.every(isBlank) && <p className="mb-2 text-sm text-slate-500">{t("closed")}</p>}
              <ul className="flex flex-col gap-2">
                {rows.map((row, index) => {
                  const base = `w${day}.${index}`;
                  const startError = errors[`${base}.start`];
                  const endError = errors[`${base}.end`];
                  const id = `weekly-${day}-${row.key}`;
                  return (
                    <li key={row.key} className="flex flex-wrap items-end gap-2">
                      <div className="flex flex-col gap-1">
                        <label htmlFor={`${id}-start`} className="text-sm text-slate-700">
                          {t("from")}
                        </label>
                        <input
                          id={`${id}-start`}
                          name={`${base}.start`}
                          value={row.start}
                          onChange={(event) => update(day, row.key, "start", event.target.value)}
                          inputMode="numeric"
                          placeholder="08:00"
                          autoComplete="off"
                          size={6}
                          aria-invalid={startError ? true : undefined}
                          aria-describedby={startError ? `${id}-start-error` : "weekly-hint"}
                          className={inputClass(Boolean(startError), "w-24 font-mono")}
                        />
                      </div>
                      <div className="flex flex-col gap-1">
                        <label htmlFor={`${id}-end`} className="text-sm text-slate-700">
                          {t("to")}
                        </label>
                        <input
                          id={`${id}-end`}
                          name={`${base}.end`}
                          value={row.end}
                          onChange={(event) => update(day, row.key, "end", event.target.value)}
                          inputMode="numeric"
                          placeholder="12:00"
                          autoComplete="off"
                          size={6}
                          aria-invalid={endError ? true : undefined}
                          aria-describedby={endError ? `${id}-end-error` : "weekly-hint"}
                          className={inputClass(Boolean(endError), "w-24 font-mono")}
                        />
                      </div>
                      {!isBlank(row) && (
                        <button
                          type="button"
                          onClick={() => remove(day, row.key)}
                          className={secondaryButtonClass}
                          aria-label={t("removeRange", { day: dayName, start: row.start, end: row.end })}
                        >
                          {t("remove")}
                        </button>
                      )}
                      <div className="basis-full">
                        <FieldError id={`${id}-start-error`} message={startError} />
                        <FieldError id={`${id}-end-error`} message={endError} />
                      </div>
                    </li>
                  );
                })}
              </ul>
              <button
                type="button"
                onClick={() => add(day)}
                className={`${secondaryButtonClass} mt-2`}
                aria-label={t("addRangeOn", { day: dayName })}
              >
                {t("addRange")}
              </button>
            </fieldset>
          );
        })}
      </div>
      <div className="flex flex-wrap gap-3">
        <button type="submit" disabled={pending} className={`${buttonClass} w-full sm:w-auto`}>
          {pending ? t("saving") : t("save")}
        </button>
        <button type="button" onClick={copyMonday} className={secondaryButtonClass}>
          {t("copyMonday")}
        </button>
      </div>
    </form>
  );
}
