"use client";

import { type ReactNode, useActionState, useEffect, useId, useRef, useState } from "react";
import { useTranslations } from "next-intl";
import { buttonClass, FormMessage, TextField } from "@/components/form-parts";
import { createTypeAction, updateTypeAction } from "@/lib/appointment-types/actions";
import { TYPE_LIMITS, type LimitedField, type TypeField } from "@/lib/appointment-types/schema";
import type { TypeFormState, TypeFormValues } from "@/lib/appointment-types/types";

const idle: TypeFormState = { status: "idle" };

type Props =
  | { mode: "create"; initial: TypeFormValues }
  | { mode: "update"; initial: TypeFormValues; typeId: string; updatedAt: string };

/** A type's names in both languages and its booking rules; admins only (the action checks again). */
export function TypeForm(props: Props) {
  const t = useTranslations("appointmentTypes.form");
  const [state, formAction, pending] = useActionState(
    props.mode === "create" ? createTypeAction : updateTypeAction,
    idle,
  );
  const values = state.status === "idle" ? props.initial : state.values;
  const errors: Partial<Record<TypeField, string>> = state.status === "error" ? state.fieldErrors : {};
  const updatedAt = props.mode === "update" ? (state.status === "ok" ? state.updatedAt : props.updatedAt) : null;
  const idPrefix = useId();
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (state.status !== "error") return;
    formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
  }, [state]);

  const field = (name: TypeField) => ({
    id: `${idPrefix}-${name}`,
    name,
    defaultValue: values[name],
    error: errors[name],
  });
  const number = (name: LimitedField & TypeField, optional = false) => (
    <TextField
      label={t(name)}
      hint={t(`${name}Hint`, TYPE_LIMITS[name])}
      optional={optional ? t("optional") : undefined}
      required={!optional}
      inputMode="numeric"
      autoComplete="off"
      className="font-mono"
      {...field(name)}
    />
  );

  return (
    // a new key after each answer: the inputs take the values the action sent back (React reset the form)
    <form
      ref={formRef}
      key={state.status === "idle" ? "initial" : JSON.stringify(state.values)}
      action={formAction}
      noValidate
      className="grid gap-4 sm:grid-cols-2"
    >
      {props.mode === "update" && (
        <>
          <input type="hidden" name="id" value={props.typeId} />
          <input type="hidden" name="updatedAt" value={updatedAt ?? ""} />
        </>
      )}
      <FormMessage state={state} className="sm:col-span-2" />
      <TextField label={t("name")} hint={t("nameHint")} required autoComplete="off" {...field("name")} />
      <TextField
        label={t("nameEn")}
        hint={t("nameEnHint")}
        required
        autoComplete="off"
        lang="en"
        {...field("nameEn")}
      />
      {number("durationMinutes")}
      {number("maxPerDay", true)}
      {number("bufferBeforeMinutes")}
      {number("bufferAfterMinutes")}
      {number("minimumNoticeMinutes")}
      {number("bookingHorizonDays")}
      {number("cancellationCutoffMinutes")}
      <ReminderFields initial={values.reminderCall === "yes"} leadHours={number("reminderLeadHours")} />
      {number("rescueAfterMinutes", true)}
      <div className="sm:col-span-2">
        <button type="submit" disabled={pending} className={`${buttonClass} w-full sm:w-auto`}>
          {pending ? t("saving") : props.mode === "create" ? t("create") : t("save")}
        </button>
      </div>
    </form>
  );
}

/** The reminder box, and the lead time only while it is ticked (the form's key resets it after each answer). */
function ReminderFields({ initial, leadHours }: { initial: boolean; leadHours: ReactNode }) {
  const t = useTranslations("appointmentTypes.form");
  const [reminder, setReminder] = useState(initial);
  return (
    <fieldset className="flex flex-col gap-2 sm:col-span-2">
      <legend className="text-sm font-medium text-slate-800">{t("reminderLegend")}</legend>
      <label className="flex items-center gap-2">
        <input
          type="checkbox"
          name="reminderCall"
          value="yes"
          checked={reminder}
          onChange={(event) => setReminder(event.target.checked)}
          className="size-4"
        />
        {t("reminderCall")}
      </label>
      {reminder && <div className="sm:w-1/2">{leadHours}</div>}
    </fieldset>
  );
}
