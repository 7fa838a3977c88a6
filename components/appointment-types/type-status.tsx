"use client";

import { useActionState } from "react";
import { useTranslations } from "next-intl";
import { secondaryButtonClass } from "@/components/form-parts";
import { changeTypeStatusAction } from "@/lib/appointment-types/actions";
import type { TypeStatusState } from "@/lib/appointment-types/types";

/**
 * Retire (no new bookings), reinstate, or remove. A type with appointments is only ever retired: its
 * "remove" says so before anyone presses it, and the server decides again under a lock.
 */
export function TypeStatusForm({ typeId, active, inUse }: { typeId: string; active: boolean; inUse: boolean }) {
  const t = useTranslations("appointmentTypes.status");
  const [state, action, pending] = useActionState<TypeStatusState, FormData>(changeTypeStatusAction, {
    status: "idle",
  });
  return (
    <form action={action} className="mt-3 flex flex-col gap-3">
      <input type="hidden" name="id" value={typeId} />
      <div aria-live="polite">
        {state.status !== "idle" && (
          <p
            role={state.status === "error" ? "alert" : "status"}
            className={
              state.status === "error"
                ? "rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800"
                : "rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-800"
            }
          >
            {state.message}
          </p>
        )}
      </div>
      <div className="flex flex-wrap gap-3">
        {active ? (
          <button type="submit" name="intent" value="retire" disabled={pending} className={secondaryButtonClass}>
            {t("retire")}
          </button>
        ) : (
          <button type="submit" name="intent" value="reinstate" disabled={pending} className={secondaryButtonClass}>
            {t("reinstate")}
          </button>
        )}
        <button
          type="submit"
          name="intent"
          value="remove"
          disabled={pending}
          className="rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-800 hover:bg-red-50 disabled:opacity-70"
        >
          {inUse ? t("removeInUse") : t("remove")}
        </button>
      </div>
    </form>
  );
}
