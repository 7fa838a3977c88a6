"use client";

import { useActionState } from "react";
import { useTranslations } from "next-intl";
import { buttonClass } from "@/components/form-parts";
import { mergePatientsAction, type MergeFormState } from "@/lib/patients/actions";

/** Which of the two records stays, a confirmation, and the merge; on success the action opens the kept record. */
export function MergeForm({ a, b, choices }: { a: string; b: string; choices: { id: string; label: string }[] }) {
  const t = useTranslations("patients.merge");
  const [state, action, pending] = useActionState<MergeFormState, FormData>(mergePatientsAction, { status: "idle" });
  return (
    <form action={action} className="flex flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4">
      <input type="hidden" name="a" value={a} />
      <input type="hidden" name="b" value={b} />
      <div aria-live="polite">
        {state.status === "error" && (
          <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
            {state.message}
          </p>
        )}
      </div>
      <fieldset>
        <legend className="font-medium text-slate-800">{t("keepLegend")}</legend>
        <div className="mt-2 flex flex-col gap-2">
          {choices.map((choice, index) => (
            <label key={choice.id} className="flex items-center gap-2">
              <input type="radio" name="keepId" value={choice.id} defaultChecked={index === 0} />
              {choice.label}
            </label>
          ))}
        </div>
      </fieldset>
      <label className="flex items-center gap-2">
        <input type="checkbox" name="confirm" value="yes" />
        {t("confirm")}
      </label>
      <div>
        <button type="submit" disabled={pending} className={buttonClass}>
          {pending ? t("merging") : t("submit")}
        </button>
      </div>
    </form>
  );
}
