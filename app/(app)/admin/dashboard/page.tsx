import type { Metadata } from "next";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { VisitsChart } from "@/components/dashboard/visits-chart";
import { requireViewerPage } from "@/lib/auth/session";
import { dashboardFigures } from "@/lib/dashboard/data";
import { serverEnv } from "@/lib/env";
import { formatCalendarDate, formatDate } from "@/lib/format";

const WEEK_CHOICES = [4, 8, 12] as const;

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("dashboard");
  return { title: t("title") };
}

// Admins only (anyone else gets the 404 of a page that does not exist): the week's figures per clinician.
export default async function DashboardPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await connection();
  await requireViewerPage(["ADMIN"]);
  const locale = await getLocale();
  const t = await getTranslations("dashboard");
  const asked = Number((await searchParams).weeks);
  const weekCount = (WEEK_CHOICES as readonly number[]).includes(asked) ? asked : 8;
  const zone = serverEnv().CLINIC_TIME_ZONE;
  const figures = await dashboardFigures({ now: new Date(), timeZone: zone, weekCount });
  const weekLabel = (week: string) => formatCalendarDate(week, locale);

  return (
    <main id="main" className="mx-auto max-w-5xl p-4">
      <h1 className="text-2xl font-bold">{t("title")}</h1>
      <p className="mt-1 text-slate-700">{t("lead", { zone })}</p>
      <form method="get" className="mt-4 flex items-end gap-2">
        <label className="flex flex-col text-sm">
          {t("weeks")}
          <select name="weeks" defaultValue={String(weekCount)} className="rounded border border-slate-300 px-2 py-1">
            {WEEK_CHOICES.map((count) => (
              <option key={count} value={count}>
                {t("weeksOption", { count })}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="rounded border border-slate-300 bg-white px-3 py-1 hover:bg-slate-100">
          {t("show")}
        </button>
      </form>

      <VisitsChart
        weeks={figures.totals.map((w) => ({
          // the axis has room for short dates ("07/12/2026")
          label: formatDate(new Date(`${w.week}T12:00:00Z`), "UTC", locale, "short"),
          values: w,
        }))}
        series={(["held", "noShows", "rescued", "confirmedByCall"] as const)
          .filter((key) => key !== "rescued" || figures.hasRescues)
          .map((key) => ({ key, label: t(`series.${key}`) }))}
        title={t("chartTitle")}
        description={t("chartDescription")}
      />

      {figures.rows.length === 0 ? (
        <p className="mt-6 text-slate-700">{t("empty")}</p>
      ) : (
        <div className="mt-6 overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="dashboard-table">
            <caption className="mb-2 text-left font-semibold">{t("table.caption")}</caption>
            <thead>
              <tr className="border-b border-slate-300">
                <th scope="col" className="py-1 pr-4">
                  {t("table.week")}
                </th>
                <th scope="col" className="py-1 pr-4">
                  {t("table.clinician")}
                </th>
                <th scope="col" className="py-1 pr-4 text-right">
                  {t("table.held")}
                </th>
                <th scope="col" className="py-1 pr-4 text-right">
                  {t("table.noShows")}
                </th>
                {figures.hasRescues && (
                  <th scope="col" className="py-1 pr-4 text-right">
                    {t("table.rescued")}
                  </th>
                )}
                <th scope="col" className="py-1 pr-4 text-right">
                  {t("table.confirmedByCall")}
                </th>
              </tr>
            </thead>
            <tbody>
              {figures.rows.map((row) => (
                <tr key={`${row.week}-${row.clinicianId}`} data-week={row.week} className="border-b border-slate-200">
                  <th scope="row" className="py-1 pr-4 font-normal">
                    {weekLabel(row.week)}
                  </th>
                  <td className="py-1 pr-4">{row.clinicianName}</td>
                  <td className="py-1 pr-4 text-right" data-testid="held">
                    {row.held}
                  </td>
                  <td className="py-1 pr-4 text-right" data-testid="no-shows">
                    {row.noShows}
                  </td>
                  {figures.hasRescues && <td className="py-1 pr-4 text-right">{row.rescued}</td>}
                  <td className="py-1 pr-4 text-right" data-testid="confirmed-by-call">
                    {row.confirmedByCall}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
