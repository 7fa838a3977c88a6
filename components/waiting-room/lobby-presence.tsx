"use client";

import { useLocale, useTranslations } from "next-intl";
import { formatTime } from "@/lib/format";
import { useWaitingRoom } from "./store";

/**
 * One visit's line in the day list: who waits in the Teams lobby and since when, and who has joined, live
 * from the bot's roster. Nothing while the bot is not in the meeting.
 */
export function LobbyPresence({
  appointmentId,
  zone,
  className = "",
}: {
  appointmentId: string;
  zone: string;
  /** where the line sits (the day grid pins it to the visit's corner) */
  className?: string;
}) {
  const t = useTranslations("waitingRoom.presence");
  const locale = useLocale();
  const room = useWaitingRoom();
  const visit = room?.visits.find((v) => v.appointmentId === appointmentId);
  const name = (person: { name: string | null }) => person.name ?? t("unknown");
  return (
    <span aria-live="polite" className={`block text-xs empty:hidden ${className}`} data-testid="lobby-presence">
      {visit && visit.lobby.length > 0 && (
        <span className="block font-semibold text-amber-900">
          {t("waiting", {
            names: visit.lobby.map(name).join(", "),
            since: formatTime(new Date(visit.lobby[0]!.since), zone, locale),
          })}
        </span>
      )}
      {visit && visit.joined.length > 0 && (
        <span className="block text-emerald-800">{t("joined", { names: visit.joined.map(name).join(", ") })}</span>
      )}
    </span>
  );
}
