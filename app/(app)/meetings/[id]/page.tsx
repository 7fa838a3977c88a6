import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { z } from "zod";
import { ALL_ROLES, requireViewerPage } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { formatDateTime } from "@/lib/format";
import { meetingDetails } from "@/lib/meetings/service";

type Live = Record<string, unknown> & {
  joinWebUrl?: string;
  joinMeetingIdSettings?: { joinMeetingId?: string | null; passcode?: string | null } | null;
  audioConferencing?: {
    tollNumber?: string | null;
    tollFreeNumber?: string | null;
    conferenceId?: string | null;
    ConferenceId?: string | null;
    dialinUrl?: string | null;
  } | null;
  lobbyBypassSettings?: { scope?: string | null; isDialInBypassEnabled?: boolean | null } | null;
  allowedPresenters?: string | null;
};

export default async function MeetingDetailsPage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const viewer = await requireViewerPage(ALL_ROLES);
  const locale = await getLocale();
  const id = z.uuid().safeParse((await params).id);
  if (!id.success) notFound();
  const t = await getTranslations("meetings");
  let details: Awaited<ReturnType<typeof meetingDetails>>;
  let problem: string | null = null;
  try {
    details = await meetingDetails(viewer, id.data);
  } catch (error) {
    if (!isAppError(error)) throw error;
    if (error.code === "NOT_FOUND") notFound();
    problem = error.message;
    details = null;
  }
  if (!details && !problem) notFound();
  const live = (details?.live ?? null) as Live | null;
  // Graph's values in words; one Graph adds later reads as "a setting Consulta does not know yet", never raw
  const setting = (group: "lobbyScope" | "presenterValue", value: string | null | undefined) =>
    !value ? "—" : t.has(`${group}.${value}`) ? t(`${group}.${value}`) : t(`${group}.unknownFutureValue`);
  const audio = live?.audioConferencing;

  return (
    <main id="main" className="mx-auto max-w-3xl p-4">
      <Link href="/meetings" className="text-sm text-brand-700 underline">
        {t("back")}
      </Link>
      <h1 className="mt-2 text-2xl font-bold">{details?.row.subject ?? t("title")}</h1>
      {problem && (
        <p role="alert" className="mt-4 rounded border border-amber-300 bg-amber-50 p-3">
          {problem}
        </p>
      )}
      {details && (
        <dl className="mt-6 grid gap-x-6 gap-y-3 sm:grid-cols-[max-content_1fr]">
          <dt className="font-medium text-slate-600">{t("when")}</dt>
          <dd>{formatDateTime(details.row.startsAt, viewer.timeZone, locale)}</dd>
          <dt className="font-medium text-slate-600">{t("stateLabel")}</dt>
          <dd>{t(`state.${details.row.state}`)}</dd>
          {live && (
            <>
              <dt className="font-medium text-slate-600">{t("joinLink")}</dt>
              <dd className="break-all">
                <a href={live.joinWebUrl} className="text-brand-700 underline" target="_blank" rel="noreferrer">
                  {live.joinWebUrl}
                </a>
              </dd>
              <dt className="font-medium text-slate-600">{t("meetingId")}</dt>
              <dd className="font-mono">{live.joinMeetingIdSettings?.joinMeetingId ?? "—"}</dd>
              <dt className="font-medium text-slate-600">{t("passcode")}</dt>
              <dd className="font-mono">{live.joinMeetingIdSettings?.passcode ?? "—"}</dd>
              <dt className="font-medium text-slate-600">{t("dialIn")}</dt>
              <dd>
                {audio?.tollNumber ?? "—"}
                {audio?.tollFreeNumber ? ` · ${audio.tollFreeNumber}` : ""}
                {(audio?.conferenceId ?? audio?.ConferenceId) && (
                  <span className="block text-sm text-slate-600">
                    {t("conferenceId")}: <span className="font-mono">{audio?.conferenceId ?? audio?.ConferenceId}</span>
                  </span>
                )}
              </dd>
              <dt className="font-medium text-slate-600">{t("lobby")}</dt>
              <dd data-testid="meeting-lobby">{setting("lobbyScope", live.lobbyBypassSettings?.scope)}</dd>
              <dt className="font-medium text-slate-600">{t("presenters")}</dt>
              <dd data-testid="meeting-presenters">{setting("presenterValue", live.allowedPresenters)}</dd>
            </>
          )}
        </dl>
      )}
    </main>
  );
}
