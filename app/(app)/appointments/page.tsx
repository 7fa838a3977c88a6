import Link from "next/link";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { StatusBadge } from "@/components/appointments/status-badge";
import { LobbyPresence } from "@/components/waiting-room/lobby-presence";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { calendarQuery } from "@/lib/appointments/schema";
import { calendarForViewer } from "@/lib/appointments/views";
import { requireViewerPage } from "@/lib/auth/session";
import { formatTimeRange, formatWeekday, zoneLabel } from "@/lib/format";
import { addLocalDays } from "@/lib/scheduling";

export default async function AppointmentsPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await connection();
  const viewer = await requireViewerPage();
  const locale = await getLocale();
  const t = await getTranslations("appointments");
  const query = calendarQuery.parse(await searchParams);
  const calendar = await calendarForViewer(viewer, query, new Date());
  const step = query.view === "day" ? 1 : 7;
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

      <div className={`mt-6 grid gap-4 ${query.view === "week" ? "md:grid-cols-2 xl:grid-cols-4" : ""}`}>
        {calendar.days.map((day) => (
          <section
            key={day.date}
            aria-labelledby={`day-${day.date}`}
            className="rounded-lg border border-slate-200 bg-white p-3"
          >
            <h2 id={`day-${day.date}`} className="font-semibold text-slate-800">
              {formatWeekday(day.start, viewer.timeZone, locale)}
            </h2>
            {day.appointments.length === 0 ? (
              <p className="mt-2 text-sm text-slate-500">{t("empty")}</p>
            ) : (
              <ul className="mt-2 space-y-2">
                {day.appointments.map((a) => (
                  <li key={a.id}>
                    <Link
                      href={`/appointments/${a.id}`}
                      className="block rounded border border-slate-200 p-2 hover:border-brand-600 hover:bg-brand-50"
                    >
                      <span className="font-mono text-sm">
                        {formatTimeRange(a.startsAt, a.endsAt, viewer.timeZone, locale)}
                      </span>{" "}
                      <span className="font-medium">
                        {a.patient.firstName} {a.patient.lastName}
                      </span>
                      <span className="block text-sm text-slate-600">
                        {localizedTypeName(a.appointmentType, locale)}
                        {viewer.role !== "CLINICIAN" && ` · ${a.clinician.name}`}
                      </span>
                      <StatusBadge status={a.status} />
                    </Link>
                    <LobbyPresence appointmentId={a.id} zone={viewer.timeZone} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        ))}
      </div>
    </main>
  );
}
