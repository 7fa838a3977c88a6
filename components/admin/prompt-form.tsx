"use client";

import { useActionState, useId } from "react";
import { useTranslations } from "next-intl";
import { promptFormAction } from "@/lib/prompts/actions";
import type { PromptFormProps, PromptFormState } from "@/lib/prompts/types";

const idle: PromptFormState = { status: "idle" };
const MAX = 600;

/** One prompt in one language: its text, a link to hear it as callers will, save and reset to the default. */
export function PromptForm(props: PromptFormProps) {
  const t = useTranslations("promptAdmin");
  const [state, formAction, pending] = useActionState(promptFormAction, idle);
  const id = useId();
  const text = state.status === "idle" ? props.text : state.text;
  const version = state.status === "idle" ? props.version : (state.version ?? null);
  const updatedAt = state.status === "idle" ? props.updatedAt : state.updatedAt;
  const overridden = updatedAt !== "";
  const invalid = state.status === "error" && state.invalid;
  const listen = version
    ? `/api/prompts/${encodeURIComponent(props.locale)}/${props.promptKey}.wav?v=${version}`
    : null;
  const language = t(`locales.${props.locale}`);
  const name = t(`keys.${props.promptKey}`);

  return (
    <form action={formAction} className="flex flex-col gap-2" data-testid={`prompt-${props.promptKey}-${props.locale}`}>
      <input type="hidden" name="locale" value={props.locale} />
      <input type="hidden" name="key" value={props.promptKey} />
      <input type="hidden" name="updatedAt" value={updatedAt} />
      <label htmlFor={`${id}-text`} className="text-sm font-medium text-slate-800">
        {t("textLabel", { prompt: name, language })}
      </label>
      <textarea
        // a new text from the server (saved, reset) replaces what the field shows
        key={`${version ?? "error"}-${updatedAt}`}
        id={`${id}-text`}
        name="text"
        rows={3}
        maxLength={MAX}
        defaultValue={text}
        aria-invalid={invalid || undefined}
        aria-describedby={`${id}-status ${id}-info`}
        className={`rounded-md border bg-white px-3 py-2 text-base ${invalid ? "border-red-500" : "border-slate-300"}`}
      />
      <p id={`${id}-info`} className="text-xs text-slate-600">
        {overridden ? t("overridden") : t("isDefault")}
        {overridden && props.updatedByName && state.status === "idle" && ` · ${t("by", { name: props.updatedByName })}`}
      </p>
      {overridden && (
        <details className="text-xs text-slate-600">
          <summary className="cursor-pointer">{t("showDefault")}</summary>
          <p className="mt-1">{props.defaultText}</p>
        </details>
      )}
      <div id={`${id}-status`} aria-live="polite">
        {state.status === "error" && (
          <p role="alert" className="text-sm font-medium text-red-700">
            {state.message}
          </p>
        )}
        {state.status === "ok" && (
          <p role="status" className="text-sm text-green-800">
            {state.message}
          </p>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="submit"
          name="intent"
          value="save"
          disabled={pending}
          className="rounded-md bg-brand-700 px-4 py-1.5 text-sm font-semibold text-white hover:bg-brand-900 disabled:opacity-70"
        >
          {t("save", { prompt: name, language })}
        </button>
        {overridden && (
          <button
            type="submit"
            name="intent"
            value="reset"
            disabled={pending}
            className="rounded-md border border-slate-300 px-4 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-70"
          >
            {t("reset", { prompt: name, language })}
          </button>
        )}
        {listen && (
          <a href={listen} target="_blank" rel="noopener" className="text-sm text-brand-700 underline">
            {t("listen", { prompt: name, language })}
          </a>
        )}
      </div>
    </form>
  );
}
