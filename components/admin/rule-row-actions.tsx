"use client";

import { useActionState, useState } from "react";
import { useTranslations } from "next-intl";
import { ruleRowAction } from "@/lib/clinic-line/actions";
import type { RuleRowState } from "@/lib/clinic-line/types";

const idle: RuleRowState = { status: "idle" };

/** The list's buttons for one rule: move, enable/disable, delete. `name` labels them for screen readers. */
export function RuleRowActions(props: {
  ruleId: string;
  name: string;
  active: boolean;
  first: boolean;
  last: boolean;
}) {
  const t = useTranslations("lineAdmin.row");
  const [state, formAction, pending] = useActionState(ruleRowAction, idle);
  // deleting asks first: the row's Delete button only opens the question
  const [askingDelete, setAskingDelete] = useState(false);
  const button = "rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100 disabled:opacity-50";
  const danger = "rounded border border-red-300 px-2 py-1 text-sm text-red-800 hover:bg-red-50 disabled:opacity-50";
  if (askingDelete) {
    return (
      <form
        action={formAction}
        className="flex flex-wrap items-center gap-2"
        role="group"
        aria-label={t("delete", { name: props.name })}
      >
        <input type="hidden" name="id" value={props.ruleId} />
        <input type="hidden" name="confirm" value="yes" />
        <span className="text-sm font-medium text-red-900">{t("confirmDelete", { name: props.name })}</span>
        <button
          type="submit"
          name="intent"
          value="delete"
          disabled={pending}
          aria-label={t("confirmDeleteYes", { name: props.name })}
          className="rounded bg-red-700 px-2 py-1 text-sm font-semibold text-white hover:bg-red-800 disabled:opacity-50"
        >
          {t("confirmDeleteShort")}
        </button>
        <button
          type="button"
          disabled={pending}
          onClick={() => setAskingDelete(false)}
          aria-label={t("keep", { name: props.name })}
          className={button}
        >
          {t("keepShort")}
        </button>
        {state.status === "error" && (
          <span role="alert" className="text-sm text-red-700">
            {state.message}
          </span>
        )}
      </form>
    );
  }
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={props.ruleId} />
      <button type="submit" name="intent" value="up" disabled={pending || props.first} className={button}>
        <span aria-hidden="true">↑</span> <span className="sr-only">{t("up", { name: props.name })}</span>
      </button>
      <button type="submit" name="intent" value="down" disabled={pending || props.last} className={button}>
        <span aria-hidden="true">↓</span> <span className="sr-only">{t("down", { name: props.name })}</span>
      </button>
      <button
        type="submit"
        name="intent"
        value={props.active ? "disable" : "enable"}
        disabled={pending}
        aria-label={t(props.active ? "disable" : "enable", { name: props.name })}
        className={button}
      >
        {t(props.active ? "disableShort" : "enableShort")}
      </button>
      <button
        type="button"
        disabled={pending}
        onClick={() => setAskingDelete(true)}
        aria-label={t("delete", { name: props.name })}
        className={danger}
      >
        {t("deleteShort")}
      </button>
      <span aria-live="polite" className="text-sm">
        {state.status === "error" && (
          <span role="alert" className="text-red-700">
            {state.message}
          </span>
        )}
      </span>
    </form>
  );
}
