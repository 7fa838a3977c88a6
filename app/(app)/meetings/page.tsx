import Link from "next/link";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { LookupForm, NewMeetingForm } from "@/components/meetings/meeting-forms";
import { ALL_ROLES, requireViewerPage } from "@/lib/auth/session";
import { formatDateTime } from "@/lib/format";
import { createMeetingAction, lookupMeetingAction } from "@/lib/meetings/actions";
import { listMeetings, nextHourInput } from "@/lib/meetings/service";

export default async function MeetingsPage() {
  await connection();
  const viewer = await requireViewerPage(ALL_ROLES);
  const locale = await getLocale();
  const t = await getTranslations("meetings");
  const meetings = await listMeetings(viewer);
  const defaultStart = nextHourInput(viewer.timeZone, new Date());

  return (
    <main id="main" className="mx-auto max-w-5xl p-4">
      <h1 className="text-2xl font-bold">{t("title")}</h1>
      <section aria-labelledby="new-meeting" className="mt-6 rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="new-meeting" className="text-lg font-semibold">
          {t("newTitle")}
        </h2>
        <p className="mb-3 text-sm text-slate-600">{t("newLead")}</p>
        <NewMeetingForm action={createMeetingAction} defaultStart={defaultStart} />
      </section>
      <section aria-labelledby="lookup" className="mt-6 rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="lookup" className="text-lg font-semibold">
          {t("lookupTitle")}
        </h2>
        <LookupForm action={lookupMeetingAction} />
      </section>
      <section aria-labelledby="list" className="mt-6">
        <h2 id="list" className="text-lg font-semibold">
          {t("listTitle")}
        </h2>
        {meetings.length === 0 ? (
          <p className="mt-2 text-slate-600">{t("empty")}</p>
        ) : (
          <ul className="mt-2 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {meetings.map((m) => (
              <li key={m.id} className="p-3">
                <Link href={`/meetings/${m.id}`} className="font-medium text-brand-700 underline">
                  {m.subject}
                </Link>
                <span className="block text-sm text-slate-600">
                  {formatDateTime(m.startsAt, viewer.timeZone, locale)} · {m.organizer.name} · {t(`state.${m.state}`)}
                  {m.appointmentId ? ` · ${t("forAppointment")}` : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
