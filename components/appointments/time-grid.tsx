import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { LobbyPresence } from "@/components/waiting-room/lobby-presence";
import { gridSpan, layoutLanes, placeOnDay, type DayPlacement } from "@/lib/appointments/calendar-grid";
import { formatTime, formatTimeRange, formatWeekday } from "@/lib/format";
import type { AppointmentStatus } from "@/lib/generated/prisma/enums";
import { localToUtc } from "@/lib/scheduling";

/** Height of one minute of the day, in pixels: a 30-minute visit is 42 px, two lines of small text. */
const PX_PER_MINUTE = 1.4;

export interface GridAppointment {
  id: string;
  startsAt: Date;
  endsAt: Date;
  status: AppointmentStatus;
  patientName: string;
  typeName: string;
  /** shown to staff, who see several clinicians at once; null for a clinician's own calendar */
  clinicianName: string | null;
  /** the patient said on a rescue call that they cannot come: staff should move the visit */
  rescheduleRequested?: boolean;
}

/** a time the clinician's Outlook calendar marks busy; its title only when the viewer owns the calendar */
export interface GridBusyTime {
  startsAt: Date;
  endsAt: Date;
  title: string | null;
}

const tone: Record<AppointmentStatus, string> = {
  BOOKED: "border-sky-400 bg-sky-50",
  CONFIRMED: "border-emerald-500 bg-emerald-50",
  CANCELLED: "border-slate-300 bg-slate-100 text-slate-600 line-through",
  COMPLETED: "border-slate-300 bg-white",
  NO_SHOW: "border-amber-400 bg-amber-50",
};

/**
 * The calendar as a time grid: a column per day (one or seven), hours down the side, each visit placed at
 * its time on the viewer's clock and as tall as it lasts; visits that overlap share the width. Today's
 * column is highlighted (aria-current="date"). Each day is a region with its visits as a list, so a screen
 * reader reads the day's visits in order; the hour lines are decoration.
 */
export async function TimeGrid({
  days,
  busy = [],
  today,
  zone,
  locale,
}: {
  days: { date: string; start: Date; appointments: GridAppointment[] }[];
  busy?: GridBusyTime[];
  today: string;
  zone: string;
  locale: string;
}) {
  const t = await getTranslations("appointments");
  const tOutlook = await getTranslations("outlook.availability");
  const placed = days.map((day, index) => {
    const next = days[index + 1]?.start;
    return {
      ...day,
      items: day.appointments.map((a) => ({ ...a, ...placeOnDay(a.startsAt, a.endsAt, day.date, zone) })),
      // the busy times that touch this day, cut to it
      busy: busy
        .filter((b) => b.endsAt > day.start && (next === undefined || b.startsAt < next))
        .map((b) => ({ ...b, ...placeOnDay(b.startsAt, b.endsAt, day.date, zone) }))
        .filter((b) => b.endMinute > b.startMinute),
    };
  });
  const span = gridSpan(placed.flatMap((day) => [...day.items, ...day.busy] as DayPlacement[]));
  const height = (span.last - span.first) * PX_PER_MINUTE;
  const hours: number[] = [];
  for (let minute = span.first; minute < span.last; minute += 60) hours.push(minute);
  // hour labels read on the first day's clock (a clock change moves a label, not a visit)
  const label = (minute: number) => formatTime(localToUtc(days[0]!.date, minute, zone), zone, locale);

  return (
    <div className="mt-6 overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <div
        className="grid min-w-full"
        style={{
          gridTemplateColumns: `3.5rem repeat(${days.length}, minmax(${days.length > 1 ? "8.5rem" : "16rem"}, 1fr))`,
        }}
      >
        <div aria-hidden="true" className="border-r border-slate-200">
          <div className="h-12 border-b border-slate-200" />
          <div className="relative" style={{ height }}>
            {hours.map((minute) => (
              <span
                key={minute}
                className="absolute right-1 -translate-y-1/2 text-xs text-slate-600 first:translate-y-0"
                style={{ top: (minute - span.first) * PX_PER_MINUTE }}
              >
                {label(minute)}
              </span>
            ))}
          </div>
        </div>
        {placed.map((day) => {
          const isToday = day.date === today;
          const lanes = layoutLanes(day.items);
          return (
            <section
              key={day.date}
              aria-labelledby={`day-${day.date}`}
              className={`border-r border-slate-200 last:border-r-0 ${isToday ? "bg-brand-50" : ""}`}
              data-testid={isToday ? "today-column" : undefined}
            >
              <h2
                id={`day-${day.date}`}
                aria-current={isToday ? "date" : undefined}
                className={`flex h-12 items-center justify-center gap-2 border-b border-slate-200 px-2 text-sm font-semibold ${
                  isToday ? "text-brand-900" : "text-slate-800"
                }`}
              >
                {formatWeekday(day.start, zone, locale)}
                {isToday && (
                  <span className="rounded bg-brand-700 px-1.5 py-0.5 text-xs font-semibold text-white">
                    {t("todayBadge")}
                  </span>
                )}
              </h2>
              <div className="relative" style={{ height }}>
                {hours.map((minute) => (
                  <div
                    key={minute}
                    aria-hidden="true"
                    className="absolute inset-x-0 border-t border-slate-100"
                    style={{ top: (minute - span.first) * PX_PER_MINUTE }}
                  />
                ))}
                {day.busy.length > 0 && (
                  <ul aria-label={tOutlook("busy")}>
                    {day.busy.map((b) => (
                      <li
                        key={`${b.startsAt.toISOString()}-${b.endsAt.toISOString()}`}
                        data-testid="outlook-busy"
                        className="absolute inset-x-0 overflow-hidden border-y border-slate-300 bg-[repeating-linear-gradient(135deg,var(--color-slate-100)_0_6px,var(--color-slate-200)_6px_12px)] px-1 text-xs text-slate-700"
                        style={{
                          top: (b.startMinute - span.first) * PX_PER_MINUTE,
                          height: Math.max((b.endMinute - b.startMinute) * PX_PER_MINUTE, 12),
                        }}
                      >
                        <span className="font-mono">{formatTimeRange(b.startsAt, b.endsAt, zone, locale)}</span>{" "}
                        {b.title ?? tOutlook("busy")}
                      </li>
                    ))}
                  </ul>
                )}
                {day.items.length === 0 ? (
                  <p className="sr-only">{t("empty")}</p>
                ) : (
                  <ol>
                    {day.items.map((a) => {
                      const { lane, lanes: count } = lanes.get(a.id) ?? { lane: 0, lanes: 1 };
                      return (
                        <li
                          key={a.id}
                          className="absolute overflow-hidden px-0.5 hover:z-10 hover:overflow-visible focus-within:z-10 focus-within:overflow-visible"
                          style={{
                            top: (a.startMinute - span.first) * PX_PER_MINUTE,
                            height: Math.max((a.endMinute - a.startMinute) * PX_PER_MINUTE, 24),
                            left: `${(lane / count) * 100}%`,
                            width: `${100 / count}%`,
                          }}
                        >
                          <Link
                            href={`/appointments/${a.id}`}
                            className={`block h-full min-h-full rounded border-l-4 px-1.5 py-0.5 text-xs leading-tight hover:ring-2 hover:ring-brand-600 ${tone[a.status]}`}
                          >
                            <span className="font-mono">{formatTimeRange(a.startsAt, a.endsAt, zone, locale)}</span>{" "}
                            <span className="font-semibold">{a.patientName}</span>
                            <span className="block">
                              {a.typeName}
                              {a.clinicianName && ` · ${a.clinicianName}`}
                              {a.status !== "BOOKED" && ` · ${t(`status.${a.status}`)}`}
                            </span>
                            {a.rescheduleRequested && (
                              <span className="block font-semibold text-amber-900" data-testid="reschedule-requested">
                                {t("rescheduleRequested")}
                              </span>
                            )}
                          </Link>
                          <LobbyPresence
                            appointmentId={a.id}
                            zone={zone}
                            className="absolute top-0.5 right-1 max-w-[85%] rounded border border-amber-300 bg-white px-1 shadow-sm"
                          />
                        </li>
                      );
                    })}
                  </ol>
                )}
              </div>
            </section>
          );
        })}
      </div>
    </div>
  );
}
