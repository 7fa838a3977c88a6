"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { useTranslations } from "next-intl";
import type { RescueView } from "@/lib/rescue/data";
import { getJson, postJson } from "@/components/calls/api";

const POLL_MS = 1500;

export interface RescueStatus {
  latest: RescueView | null;
  rescheduleRequested: boolean;
}

/**
 * The visit's rescue call as it goes (the bot calls a patient who has not joined): polled while the call is
 * under way, and a button for staff or the visit's clinician to start one now. The server checks who may
 * again on every request; its refusals come back as codes the panel words.
 */
export function RescuePanel({
  appointmentId,
  initial,
  canStart,
}: {
  appointmentId: string;
  initial: RescueStatus;
  canStart: boolean;
}) {
  const t = useTranslations("appointments.rescue");
  const [status, setStatus] = useState<RescueStatus>(initial);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const calling = status.latest?.status === "CALLING";

  useEffect(() => {
    if (!calling) return;
    let stopped = false;
    const timer = setInterval(async () => {
      const result = await getJson<RescueStatus>(`/api/appointments/${appointmentId}/rescue`);
      if (!stopped && result.ok) setStatus(result.data);
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [appointmentId, calling]);

  async function start() {
    setPending(true);
    setError(null);
    const result = await postJson<RescueStatus>(`/api/appointments/${appointmentId}/rescue`);
    setPending(false);
    if (result.ok) setStatus(result.data);
    else setError(t.has(`errors.${result.code}`) ? t(`errors.${result.code}`) : t("errors.other"));
  }

  const latest = status.latest;
  return (
    <section aria-labelledby="rescue" className="mt-8 space-y-3">
      <h2 id="rescue" className="text-lg font-semibold">
        {t("title")}
      </h2>
      <p className="text-sm text-slate-600">{t("lead")}</p>
      {status.rescheduleRequested && (
        <p
          className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900"
          data-testid="reschedule-flag"
        >
          {t("rescheduleFlag")}{" "}
          <Link href={`/appointments/${appointmentId}/reschedule`} className="text-brand-700 underline">
            {t("rescheduleLink")}
          </Link>
        </p>
      )}
      <p role="status" aria-live="polite" data-testid="rescue-state" className="text-sm">
        {latest
          ? `${t(`trigger.${latest.trigger}`)}: ${
              latest.outcome ? t(`outcome.${latest.outcome}`) : t(`progress.${latest.progress}`)
            }`
          : t("none")}
      </p>
      {canStart && (
        <button
          type="button"
          onClick={start}
          disabled={pending || calling}
          className="rounded border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-50"
        >
          {pending ? t("starting") : t("start")}
        </button>
      )}
      {error && (
        <p role="alert" className="text-sm text-red-800">
          {error}
        </p>
      )}
    </section>
  );
}
