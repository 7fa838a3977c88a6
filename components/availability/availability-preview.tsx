import { getTranslations } from "next-intl/server";
import type { PreviewDay } from "@/lib/availability/preview";
import { formatTimeRange, formatWeekday } from "@/lib/format";
import type { OutlookWeekView } from "@/lib/outlook/views";
import { localDayBounds } from "@/lib/scheduling";

// The next days as bookings will see them: weekly hours with exceptions applied, in the clinician's
// zone, computed by lib/scheduling (so a clock change shows up as a shorter or longer day).
export async function AvailabilityPreview({
  days,
  zone,
  locale,
  outlook,
}: {
  days: PreviewDay[];
  zone: string;
  locale: string;
  /** busy times from the clinician's Outlook that block slots (titles only for the clinician's own view) */
  outlook?: OutlookWeekView;
}) {
  const t = await getTranslations("availability.preview");
  const ot = await getTranslations("outlook.availability");
  const busyOf = (day: PreviewDay) => {
    const { end } = localDayBounds(day.date, zone);
    return (outlook?.busy ?? [])
      .filter((b) => b.blocks && b.startsAt < end && b.endsAt > day.start)
      .map((b) => ({
        ...b,
        from: b.startsAt > day.start ? b.startsAt : day.start,
        to: b.endsAt < end ? b.endsAt : end,
      }));
  };
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
          {busyOf(day).length > 0 && (
            <ul className="mt-2 space-y-1 text-sm text-amber-900" data-testid="outlook-busy">
              {busyOf(day).map((b) => (
                <li key={`${b.startsAt.toISOString()}-${b.endsAt.toISOString()}`}>
                  <span className="font-mono">{formatTimeRange(b.from, b.to, zone, locale)}</span> {ot("busy")} (
                  {ot(`showAs.${b.showAs}`)}){b.title ? ` · ${b.title}` : ""}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}
