"use client";

import { useActionState, useState } from "react";
import { useTranslations } from "next-intl";
import { buttonClass } from "@/components/form-parts";
import { mergePatientsAction, type MergeFormState } from "@/lib/patients/actions";

/** Which of the two records stays, a confirmation, and the merge; on success the action opens the kept record. */
export function MergeForm({ a, b, choices }: { a: string; b: string; choices: { id: string; label: string }[] }) {
  const t = useTranslations("patients.merge");
  const [state, action, pending] = useActionState<MergeFormState, FormData>(mergePatientsAction, { status: "idle" });
  // React resets a form to its default values once its action returns (a refusal too): the record chosen to
  // stay is its radio's default, or a refusal (the box not ticked) would put the first record back
  // unnoticed and the next submit would keep the other one
  const [keepId, setKeepId] = useState(choices[0]?.id);
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
          {choices.map((choice) => (
            <label key={choice.id} className="flex items-center gap-2">
              <input
                type="radio"
                name="keepId"
                value={choice.id}
                defaultChecked={choice.id === keepId}
                onChange={() => setKeepId(choice.id)}
              />
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
