import { getTranslations } from "next-intl/server";
import type { PreviewDay } from "@/lib/availability/schema";
import { formatWeekday } from "@/lib/format";

// The next days as bookings will see them: weekly hours with exceptions applied, in the clinician's
// zone, computed by lib/scheduling (so a clock change shows up as a shorter or longer day).
export async function AvailabilityPreview({
  days,
  zone,
  locale,
}: {
  days: PreviewDay[];
  zone: string;
  locale: string;
}) {
  const t = await getTranslations("availability.preview");
  return (
    <ol className="grid gap-2 sm:grid-cols-2 lg:grid-cols-4">
      {days.map((day, index) => (
        <li key={day.date} className="rounded-md border border-slate-200 bg-white p-3">
          <p className="font-medium text-slate-900">
            {formatWeekday(day.start, zone, locale)}
            {index === 0 && <span className="ml-2 text-sm font-normal text-slate-600">({t("today")})</span>}
          </p>
          {day.intervals.length === 0 ? (
            <p className="text-sm text-slate-500">{t("closed")}</p>
          ) : (
            <ul className="mt-1 font-mono text-sm text-slate-800">
              {day.intervals.map((interval) => (
                <li key={interval.start.toISOString()}>
                  {interval.startLabel}–{interval.endLabel}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}
