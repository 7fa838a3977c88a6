import Link from "next/link";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { TimeGrid } from "@/components/appointments/time-grid";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { calendarQuery } from "@/lib/appointments/schema";
import { calendarForViewer } from "@/lib/appointments/views";
import { requireViewerPage } from "@/lib/auth/session";
import { zoneLabel } from "@/lib/format";
import { outlookWeekForViewer } from "@/lib/outlook/views";
import { addLocalDays } from "@/lib/scheduling";

export default async function AppointmentsPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await connection();
  const viewer = await requireViewerPage();
  const locale = await getLocale();
  const t = await getTranslations("appointments");
  const query = calendarQuery.parse(await searchParams);
  const calendar = await calendarForViewer(viewer, query, new Date());
  const step = query.view === "day" ? 1 : 7;
  // one clinician's calendar also shows when their Outlook says they are busy (slots there are not offered)
  const outlook = calendar.clinicianId
    ? await outlookWeekForViewer(viewer, calendar.clinicianId, {
        from: calendar.days[0]!.start,
        to: calendar.days[calendar.days.length - 1]!.end,
      })
    : null;
  const link = (date: string, view = query.view) => {
    const params = new URLSearchParams({ view, date });
    if (calendar.clinicianId && viewer.role !== "CLINICIAN") params.set("clinician", calendar.clinicianId);
    return `/appointments?${params}`;
  };

  return (
    <main id="main" className="mx-auto max-w-6xl p-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold">{t("title")}</h1>
          <p className="text-sm text-slate-600">
            {t("timesIn", { zone: zoneLabel(new Date(), viewer.timeZone, locale) })}
          </p>
        </div>
        <Link
          href="/appointments/new"
          className="rounded-md bg-brand-700 px-4 py-2 font-semibold text-white hover:bg-brand-900"
        >
          {t("book")}
        </Link>
      </div>

      <div className="mt-4 flex flex-wrap items-center gap-3">
        <nav aria-label={t("navigation")} className="flex gap-2">
          <Link
            className="rounded border border-slate-300 bg-white px-3 py-1"
            href={link(addLocalDays(calendar.date, -step))}
          >
            {t("previous")}
          </Link>
          <Link
            className="rounded border border-brand-700 bg-white px-3 py-1 font-semibold text-brand-700"
            href={link(calendar.today)}
          >
            {t("today")}
          </Link>
          <Link
            className="rounded border border-slate-300 bg-white px-3 py-1"
            href={link(addLocalDays(calendar.date, step))}
          >
            {t("next")}
          </Link>
          <Link
            className="rounded border border-slate-300 bg-white px-3 py-1"
            href={link(calendar.date, query.view === "day" ? "week" : "day")}
          >
            {query.view === "day" ? t("weekView") : t("dayView")}
          </Link>
        </nav>
        {calendar.clinicians.length > 0 && (
          <form className="flex items-center gap-2" action="/appointments">
            <input type="hidden" name="view" value={query.view} />
            <input type="hidden" name="date" value={calendar.date} />
            <label htmlFor="clinician" className="text-sm text-slate-700">
              {t("clinician")}
            </label>
            <select
              id="clinician"
              name="clinician"
              defaultValue={calendar.clinicianId ?? ""}
              className="rounded border border-slate-300 bg-white px-2 py-1"
            >
              <option value="">{t("allClinicians")}</option>
              {calendar.clinicians.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
            <button type="submit" className="rounded border border-slate-300 bg-white px-3 py-1">
              {t("show")}
            </button>
          </form>
        )}
      </div>

      <TimeGrid
        days={calendar.days.map((day) => ({
          date: day.date,
          start: day.start,
          appointments: day.appointments.map((a) => ({
            id: a.id,
            startsAt: a.startsAt,
            endsAt: a.endsAt,
            status: a.status,
            patientName: `${a.patient.firstName} ${a.patient.lastName}`,
            typeName: localizedTypeName(a.appointmentType, locale),
            clinicianName: viewer.role !== "CLINICIAN" ? a.clinician.name : null,
            rescheduleRequested:
              (a.status === "BOOKED" || a.status === "CONFIRMED") &&
              a.rescues.some((r) => r.appointmentVersion === a.version),
          })),
        }))}
        busy={(outlook?.busy ?? []).filter((b) => b.blocks)}
        today={calendar.today}
        zone={viewer.timeZone}
        locale={locale}
      />
    </main>
  );
}
