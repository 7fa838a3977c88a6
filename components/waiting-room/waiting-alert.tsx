"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";
import { useLocale, useTranslations } from "next-intl";
import { formatTime } from "@/lib/format";
import { useWaitingRoom } from "./store";

/**
 * On every page of a clinician's app: their next patient is waiting in the Teams lobby. Graph cannot admit
 * anyone from the lobby, so the alert opens the meeting in Teams, where they admit the patient. Hidden by
 * its button until someone else starts waiting.
 */
export function WaitingAlert({ zone }: { zone: string }) {
  const t = useTranslations("waitingRoom.alert");
  const locale = useLocale();
  const room = useWaitingRoom();
  const pathname = usePathname();
  const [hidden, setHidden] = useState<string | null>(null);
  const alert = room?.alert ?? null;
  // one waiting episode: the visit and its first arrival still waiting
  const key = alert ? `${alert.appointmentId}|${alert.waitingSince}` : null;
  return (
    <div role="alert" aria-atomic="true" className="empty:hidden">
      {alert && key !== hidden && (
        <div className="border-b border-amber-300 bg-amber-50">
          <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-2 text-sm">
            <p className="font-semibold text-amber-950">
              {t("title", {
                patient: alert.patientName,
                time: formatTime(new Date(alert.startsAt), zone, locale),
              })}
            </p>
            <p className="text-slate-800">
              {t("since", {
                since: formatTime(new Date(alert.waitingSince), zone, locale),
                names: alert.waiting.join(", ") || t("someone"),
              })}
            </p>
            {alert.joinWebUrl && (
              <a
                href={alert.joinWebUrl}
                target="_blank"
                rel="noreferrer"
                className="rounded bg-brand-700 px-3 py-1 font-semibold text-white hover:bg-brand-900"
              >
                {t("admitInTeams")}
              </a>
            )}
            {pathname !== `/appointments/${alert.appointmentId}` && (
              <Link href={`/appointments/${alert.appointmentId}`} className="text-brand-700 underline">
                {t("openVisit")}
              </Link>
            )}
            <button
              type="button"
              onClick={() => setHidden(key)}
              className="ml-auto rounded border border-slate-300 bg-white px-2 py-1 hover:bg-slate-100"
            >
              {t("hide")}
            </button>
            <p className="basis-full text-xs text-slate-700">{t("teamsOnly")}</p>
          </div>
        </div>
      )}
    </div>
  );
}
