import { getLocale, getTranslations } from "next-intl/server";
import { timeZoneChoices } from "@/lib/availability/schema";
import { formatTimeOfDay } from "@/lib/availability/times";
import type { AvailabilityEditorData, WeeklyFormValues } from "@/lib/availability/types";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { formatDate, formatDateTimeRange, zoneLabel } from "@/lib/format";
import type { OutlookWeekView } from "@/lib/outlook/views";
import { dbDateFromLocalDate } from "@/lib/scheduling";
import { AvailabilityPreview } from "./availability-preview";
import { ExceptionsSection, type ExceptionItem } from "./exceptions-section";
import { OfferedTypesForm } from "./offered-types-form";
import { TimeZoneForm } from "./time-zone-form";
import { WeeklyHoursForm } from "./weekly-hours-form";

/** The whole editor for one clinician; the page has already checked that the viewer may edit it. */
export async function AvailabilityEditor({
  data,
  now,
  outlook,
}: {
  data: AvailabilityEditorData;
  now: Date;
  outlook?: OutlookWeekView;
}) {
  const t = await getTranslations("availability");
  // dates and weekdays in the language the page is shown in
  const locale = await getLocale();
  const { clinician } = data;

  const weekly: WeeklyFormValues = Object.fromEntries(
    [1, 2, 3, 4, 5, 6, 7].map((weekday) => [
      String(weekday),
      data.weekly
        .filter((range) => range.weekday === weekday)
        .map((range) => ({ start: formatTimeOfDay(range.startMinute), end: formatTimeOfDay(range.endMinute) })),
    ]),
  );
  // An exception's date is a calendar date: format it as that date at UTC midnight, in UTC.
  const exceptions: ExceptionItem[] = data.upcomingExceptions.map((e) => ({
    id: e.id,
    dateLabel: formatDate(dbDateFromLocalDate(e.date), "UTC", locale, "full"),
    kind: e.kind,
    timeLabel:
      e.startMinute !== null && e.endMinute !== null
        ? `${formatTimeOfDay(e.startMinute)}–${formatTimeOfDay(e.endMinute)}`
        : null,
    note: e.note,
    affected: e.affected.map((visit) => ({
      id: visit.id,
      when: formatDateTimeRange(visit.startsAt, visit.endsAt, clinician.timeZone, locale),
      patient: visit.patientName,
      type: localizedTypeName(visit.type, locale),
    })),
  }));
  const zone = zoneLabel(now, clinician.timeZone, locale);

  const section = (id: string, title: string, lead: string | null, body: React.ReactNode) => (
    <section aria-labelledby={id} className="mt-8">
      <h2 id={id} className="text-lg font-semibold">
        {title}
      </h2>
      {lead && <p className="mt-1 text-sm text-slate-700">{lead}</p>}
      <div className="mt-3 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">{body}</div>
    </section>
  );

  return (
    <div>
      <p className="mt-1 text-slate-700">{t("timesIn", { zone })}</p>
      {section(
        "availability-time-zone",
        t("timeZone.title"),
        null,
        <TimeZoneForm
          clinicianId={clinician.id}
          timeZone={clinician.timeZone}
          zones={timeZoneChoices(clinician.timeZone)}
        />,
      )}
      {section(
        "availability-weekly",
        t("weekly.title"),
        t("weekly.lead"),
        <WeeklyHoursForm clinicianId={clinician.id} initial={weekly} />,
      )}
      {section(
        "availability-preview",
        t("preview.title"),
        t("preview.lead", { zone }),
        <AvailabilityPreview days={data.preview} zone={clinician.timeZone} locale={locale} outlook={outlook} />,
      )}
      {section(
        "availability-exceptions",
        t("exceptions.title"),
        t("exceptions.lead"),
        <ExceptionsSection clinicianId={clinician.id} today={data.today} items={exceptions} />,
      )}
      {section(
        "availability-types",
        t("types.title"),
        t("types.lead"),
        <OfferedTypesForm clinicianId={clinician.id} types={data.appointmentTypes} />,
      )}
    </div>
  );
}
