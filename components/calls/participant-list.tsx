import { useId } from "react";
import { useTranslations } from "next-intl";
import type { RosterParticipant } from "./api";
import { buttonClass } from "./panel-common";

/** One part of the live roster (in the meeting, or in its lobby), with mute and remove for staff. */
export function ParticipantList({
  title,
  empty,
  participants,
  canControl,
  canMute,
  pending,
  nameOf,
  onMute,
  onRemove,
}: {
  title: string;
  empty: string;
  participants: RosterParticipant[];
  canControl: boolean;
  /** Graph mutes in meetings and group calls only: no mute button in a peer-to-peer call */
  canMute: boolean;
  pending: string | null;
  nameOf: (p: RosterParticipant) => string;
  onMute: (p: RosterParticipant) => void;
  onRemove: (p: RosterParticipant) => void;
}) {
  const t = useTranslations("calls.panel");
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white p-3">
      <h3 id={headingId} className="font-semibold">
        {title}
      </h3>
      {participants.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">{empty}</p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-100">
          {participants.map((p) => {
            const name = nameOf(p);
            return (
              <li key={p.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                <span className="min-w-0 break-words">
                  <span className="font-medium">{name}</span>
                  {p.isBot && <Badge>{t("bot")}</Badge>}
                  {!p.isBot && t.has(`kind.${p.kind}`) && <Badge>{t(`kind.${p.kind}`)}</Badge>}
                  {p.isMuted && <Badge tone="amber">{t("muted")}</Badge>}
                </span>
                {canControl && !p.isBot && (
                  <span className="flex gap-2">
                    {canMute && (
                      <button
                        type="button"
                        className={buttonClass}
                        disabled={pending !== null || p.isMuted}
                        onClick={() => onMute(p)}
                      >
                        {t("mute")}
                        <span className="sr-only"> {name}</span>
                      </button>
                    )}
                    <button
                      type="button"
                      className={buttonClass}
                      disabled={pending !== null}
                      onClick={() => onRemove(p)}
                    >
                      {t("remove")}
                      <span className="sr-only"> {name}</span>
                    </button>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function Badge({ children, tone = "slate" }: { children: React.ReactNode; tone?: "slate" | "amber" }) {
  const colours = tone === "amber" ? "bg-amber-100 text-amber-900" : "bg-slate-100 text-slate-800";
  return <span className={`ml-2 inline-block rounded px-1.5 py-0.5 text-xs font-medium ${colours}`}>{children}</span>;
}
