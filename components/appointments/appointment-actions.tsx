"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect, useId } from "react";
import { useTranslations } from "next-intl";
import type { SimpleFormState } from "@/lib/appointments/actions";

type Action = (state: SimpleFormState, formData: FormData) => Promise<SimpleFormState>;

function Result({ state, id }: { state: SimpleFormState; id: string }) {
  const t = useTranslations("appointments.detail");
  return (
    <div id={id} role="status" aria-live="polite" className="mt-2 text-sm">
      {state.status === "error" && <p className="text-red-800">{state.message}</p>}
      {state.status === "done" && (
        <>
          <p className="text-emerald-800">{state.message}</p>
          {state.joinUrl && (
            <>
              <label htmlFor={`${id}-link`} className="mt-2 block font-medium">
                {t("patientLink")}
              </label>
              <input
                id={`${id}-link`}
                readOnly
                value={state.joinUrl}
                className="mt-1 w-full rounded border border-slate-300 bg-white px-2 py-1 font-mono"
              />
            </>
          )}
        </>
      )}
    </div>
  );
}

export function CancelForm({ appointmentId, action }: { appointmentId: string; action: Action }) {
  const t = useTranslations("appointments.detail");
  const [state, formAction, pending] = useActionState(action, { status: "idle" });
  const id = useId();
  const router = useRouter();
  // the rest of the page (status, meeting, the bot's panel) changes with the cancel: read it again
  useEffect(() => {
    if (state.status === "done") router.refresh();
  }, [state, router]);
  if (state.status === "done") return <Result state={state} id={id} />;
  return (
    <form action={formAction} className="rounded-lg border border-red-200 bg-red-50 p-3">
      <input type="hidden" name="appointmentId" value={appointmentId} />
      <label className="flex items-center gap-2">
        <input type="checkbox" name="confirm" value="yes" required />
        {t("confirmCancel")}
      </label>
      <button
        type="submit"
        disabled={pending}
        className="mt-2 rounded bg-red-700 px-3 py-1 font-semibold text-white hover:bg-red-800 disabled:opacity-50"
      >
        {t("cancel")}
      </button>
      <Result state={state} id={id} />
    </form>
  );
}

export function RotateLinkForm({ appointmentId, action }: { appointmentId: string; action: Action }) {
  const t = useTranslations("appointments.detail");
  return <SimpleActionForm appointmentId={appointmentId} action={action} label={t("issueLink")} />;
}

export function SimpleActionForm({
  appointmentId,
  action,
  label,
}: {
  appointmentId: string;
  action: Action;
  label: string;
}) {
  const [state, formAction, pending] = useActionState(action, { status: "idle" });
  const id = useId();
  return (
    <form action={formAction}>
      <input type="hidden" name="appointmentId" value={appointmentId} />
      <button
        type="submit"
        disabled={pending}
        className="rounded border border-slate-300 bg-white px-3 py-1 hover:bg-slate-100 disabled:opacity-50"
      >
        {label}
      </button>
      <Result state={state} id={id} />
    </form>
  );
}

/** Re-reads the server page every few seconds while something is in progress (e.g. a meeting being created). */
export function RefreshWhile({ active, intervalMs = 2000 }: { active: boolean; intervalMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs, router]);
  return null;
}
