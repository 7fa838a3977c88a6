"use client";

import { useActionState, useEffect, useId, useRef, useState } from "react";
import { useTranslations } from "next-intl";
import { buttonClass, FieldError, FormMessage, inputClass, TextField } from "@/components/form-parts";
import { createRuleAction, updateRuleAction } from "@/lib/clinic-line/actions";
import type { RuleField } from "@/lib/clinic-line/schema";
import type { RuleFormState, RuleFormValues } from "@/lib/clinic-line/types";

const idle: RuleFormState = { status: "idle" };
const WEEKDAYS = ["1", "2", "3", "4", "5", "6", "7"] as const;

/** A block rule for any caller turns everyone away (in its days and hours): the form asks to confirm it. */
const rejectsEveryone = (kind: string, caller: string) => kind === "BLOCK" && ["", "*"].includes(caller.trim());

type Props = { users: { id: string; name: string }[]; initial: RuleFormValues } & (
  { mode: "create" } | { mode: "update"; ruleId: string; updatedAt: string }
);

/** A clinic-line rule: who (caller), when (days, hours in the clinic's zone), and what (block or redirect). */
export function RuleForm(props: Props) {
  const t = useTranslations("lineAdmin.form");
  const days = useTranslations("lineAdmin.weekdays");
  const [state, formAction, pending] = useActionState(
    props.mode === "create" ? createRuleAction : updateRuleAction,
    idle,
  );
  const formRef = useRef<HTMLFormElement>(null);
  const id = useId();
  const values = state.status === "idle" ? props.initial : state.values;
  const errors: Partial<Record<RuleField, string>> = state.status === "error" ? state.fieldErrors : {};
  const updatedAt = props.mode === "update" ? (state.status === "ok" ? state.updatedAt : props.updatedAt) : null;

  useEffect(() => {
    if (state.status !== "error") return;
    formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
  }, [state]);

  const fid = (name: RuleField) => `${id}-${name}`;
  const described = (name: RuleField, hint = false) =>
    [hint ? `${fid(name)}-hint` : null, errors[name] ? `${fid(name)}-error` : null].filter(Boolean).join(" ") ||
    undefined;
  const invalid = (name: RuleField) => (errors[name] ? true : undefined);
  const field = (name: "label" | "caller" | "start" | "end" | "priority") => ({
    id: fid(name),
    name,
    defaultValue: values[name],
    error: errors[name],
  });
  // a new answer from the server (saved, or the values sent back with errors) re-renders the fields
  const formKey = state.status === "idle" ? "initial" : `${state.status}-${updatedAt ?? ""}-${JSON.stringify(values)}`;
  // what the admin has picked since the fields were (re)rendered; until then, the values shown
  const [typed, setTyped] = useState<{ formKey: string; rejectsAll: boolean } | null>(null);
  const confirmShown = typed?.formKey === formKey ? typed.rejectsAll : rejectsEveryone(values.kind, values.caller);
  const onFieldChange = (event: React.FormEvent<HTMLFormElement>) => {
    const form = event.currentTarget;
    const kind = (form.elements.namedItem("kind") as RadioNodeList | null)?.value ?? "";
    const caller = (form.elements.namedItem("caller") as HTMLInputElement | null)?.value ?? "";
    setTyped({ formKey, rejectsAll: rejectsEveryone(kind, caller) });
  };

  return (
    <form
      key={formKey}
      ref={formRef}
      action={formAction}
      onChange={onFieldChange}
      noValidate
      className="grid gap-4 sm:grid-cols-2"
    >
      {props.mode === "update" && (
        <>
          <input type="hidden" name="id" value={props.ruleId} />
          <input type="hidden" name="updatedAt" value={updatedAt ?? ""} />
        </>
      )}
      <FormMessage state={state} className="sm:col-span-2" />

      <TextField
        label={t("label")}
        optional={t("optional")}
        maxLength={80}
        autoComplete="off"
        wide
        {...field("label")}
      />

      <fieldset className="flex flex-col gap-1 sm:col-span-2" aria-describedby={described("kind")}>
        <legend className="text-sm font-medium text-slate-800">{t("kind")}</legend>
        <label className="flex items-center gap-2">
          <input type="radio" name="kind" value="BLOCK" defaultChecked={values.kind === "BLOCK"} />
          {t("kindBlock")}
        </label>
        <label className="flex items-center gap-2">
          <input type="radio" name="kind" value="REDIRECT" defaultChecked={values.kind === "REDIRECT"} />
          {t("kindRedirect")}
        </label>
        <FieldError id={`${fid("kind")}-error`} message={errors.kind} />
      </fieldset>

      <TextField
        label={t("caller")}
        hint={t("callerHint")}
        autoComplete="off"
        spellCheck={false}
        wide
        {...field("caller")}
      />

      <fieldset className="flex flex-col gap-1 sm:col-span-2" aria-describedby={described("weekdays", true)}>
        <legend className="text-sm font-medium text-slate-800">{t("weekdays")}</legend>
        <p id={`${fid("weekdays")}-hint`} className="text-sm text-slate-600">
          {t("weekdaysHint")}
        </p>
        <div className="flex flex-wrap gap-4">
          {WEEKDAYS.map((day) => (
            <label key={day} className="flex items-center gap-1">
              <input type="checkbox" name="weekdays" value={day} defaultChecked={values.weekdays.includes(day)} />
              {days(day)}
            </label>
          ))}
        </div>
        <FieldError id={`${fid("weekdays")}-error`} message={errors.weekdays} />
      </fieldset>

      {(["start", "end"] as const).map((name) => (
        <TextField key={name} label={t(name)} hint={t("timeHint")} type="time" {...field(name)} />
      ))}

      <fieldset className="flex flex-col gap-2 rounded-md border border-slate-200 p-3 sm:col-span-2">
        <legend className="px-1 text-sm font-medium text-slate-800">{t("target")}</legend>
        <p className="text-sm text-slate-600">{t("targetHint")}</p>
        <label className="flex items-center gap-2">
          <input type="radio" name="targetKind" value="user" defaultChecked={values.targetKind === "user"} />
          {t("targetUserChoice")}
        </label>
        <div className="flex flex-col gap-1 pl-6">
          <label htmlFor={fid("targetUser")} className="text-sm text-slate-800">
            {t("targetUser")}
          </label>
          <select
            id={fid("targetUser")}
            name="targetUser"
            defaultValue={values.targetUser}
            aria-invalid={invalid("targetUser")}
            aria-describedby={described("targetUser")}
            className={inputClass(Boolean(errors.targetUser))}
          >
            <option value="">{t("targetUserNone")}</option>
            {props.users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
          <FieldError id={`${fid("targetUser")}-error`} message={errors.targetUser} />
        </div>
        <label className="flex items-center gap-2">
          <input type="radio" name="targetKind" value="phone" defaultChecked={values.targetKind === "phone"} />
          {t("targetPhoneChoice")}
        </label>
        <div className="flex flex-col gap-1 pl-6">
          <label htmlFor={fid("targetPhone")} className="text-sm text-slate-800">
            {t("targetPhone")}
          </label>
          <input
            id={fid("targetPhone")}
            name="targetPhone"
            type="tel"
            inputMode="tel"
            autoComplete="off"
            defaultValue={values.targetPhone}
            aria-invalid={invalid("targetPhone")}
            aria-describedby={described("targetPhone")}
            className={inputClass(Boolean(errors.targetPhone))}
          />
          <FieldError id={`${fid("targetPhone")}-error`} message={errors.targetPhone} />
        </div>
        <FieldError id={`${fid("targetKind")}-error`} message={errors.targetKind} />
      </fieldset>

      {confirmShown && (
        <div className="flex flex-col gap-1 rounded-md border border-red-200 bg-red-50 p-3 sm:col-span-2">
          <div className="flex items-start gap-2">
            <input
              id={fid("confirmRejectAll")}
              name="confirmRejectAll"
              type="checkbox"
              defaultChecked={values.confirmRejectAll}
              aria-invalid={invalid("confirmRejectAll")}
              aria-describedby={described("confirmRejectAll")}
              className="mt-1"
            />
            <label htmlFor={fid("confirmRejectAll")} className="text-sm font-medium text-red-900">
              {t("confirmRejectAll")}
            </label>
          </div>
          <FieldError id={`${fid("confirmRejectAll")}-error`} message={errors.confirmRejectAll} />
        </div>
      )}

      <TextField label={t("priority")} hint={t("priorityHint")} inputMode="numeric" {...field("priority")} />

      <div className="flex items-center gap-2 self-center">
        <input id={fid("active")} name="active" type="checkbox" defaultChecked={values.active} />
        <label htmlFor={fid("active")} className="text-sm font-medium text-slate-800">
          {t("active")}
        </label>
      </div>

      <div className="sm:col-span-2">
        <button type="submit" disabled={pending} className={buttonClass}>
          {pending ? t("saving") : props.mode === "create" ? t("create") : t("save")}
        </button>
      </div>
    </form>
  );
}
