"use client";

import { useActionState } from "react";
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
  const button = "rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100 disabled:opacity-50";
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
        type="submit"
        name="intent"
        value="delete"
        disabled={pending}
        aria-label={t("delete", { name: props.name })}
        className="rounded border border-red-300 px-2 py-1 text-sm text-red-800 hover:bg-red-50 disabled:opacity-50"
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
