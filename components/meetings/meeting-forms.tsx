"use client";

import { useActionState } from "react";
import { useTranslations } from "next-intl";
import type { MeetingFormState } from "@/lib/meetings/actions";

type Action = (state: MeetingFormState, formData: FormData) => Promise<MeetingFormState>;

function ErrorLine({ state, id }: { state: MeetingFormState; id: string }) {
  return (
    <p id={id} role="status" aria-live="polite" className="text-sm text-red-800">
      {state.status === "error" ? state.message : ""}
    </p>
  );
}

export function NewMeetingForm({ action, defaultStart }: { action: Action; defaultStart: string }) {
  const t = useTranslations("meetings");
  const [state, formAction, pending] = useActionState(action, { status: "idle" });
  return (
    <form
      action={formAction}
      className="grid gap-3 sm:grid-cols-[1fr_auto_auto_auto] sm:items-end"
      aria-describedby="new-meeting-status"
    >
      <div>
        <label htmlFor="subject" className="block text-sm font-medium">
          {t("subject")}
        </label>
        <input
          id="subject"
          name="subject"
          required
          maxLength={200}
          className="mt-1 w-full rounded border border-slate-300 px-2 py-1"
        />
      </div>
      <div>
        <label htmlFor="start" className="block text-sm font-medium">
          {t("start")}
        </label>
        <input
          id="start"
          name="start"
          type="datetime-local"
          required
          defaultValue={defaultStart}
          className="mt-1 rounded border border-slate-300 px-2 py-1"
        />
      </div>
      <div>
        <label htmlFor="durationMinutes" className="block text-sm font-medium">
          {t("duration")}
        </label>
        <select
          id="durationMinutes"
          name="durationMinutes"
          defaultValue="30"
          className="mt-1 rounded border border-slate-300 bg-white px-2 py-1"
        >
          {[15, 30, 45, 60, 90].map((m) => (
            <option key={m} value={m}>
              {t("minutes", { count: m })}
            </option>
          ))}
        </select>
      </div>
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-brand-700 px-4 py-2 font-semibold text-white hover:bg-brand-900 disabled:opacity-50"
      >
        {t("create")}
      </button>
      <ErrorLine state={state} id="new-meeting-status" />
    </form>
  );
}

export function LookupForm({ action }: { action: Action }) {
  const t = useTranslations("meetings");
  const [state, formAction, pending] = useActionState(action, { status: "idle" });
  return (
    <form action={formAction} className="flex flex-wrap items-end gap-3" aria-describedby="lookup-status">
      <div className="min-w-64 flex-1">
        <label htmlFor="joinWebUrl" className="block text-sm font-medium">
          {t("joinUrl")}
        </label>
        <input
          id="joinWebUrl"
          name="joinWebUrl"
          type="url"
          required
          className="mt-1 w-full rounded border border-slate-300 px-2 py-1"
        />
      </div>
      <button
        type="submit"
        disabled={pending}
        className="rounded border border-slate-300 bg-white px-3 py-1 disabled:opacity-50"
      >
        {t("lookup")}
      </button>
      <ErrorLine state={state} id="lookup-status" />
    </form>
  );
}
