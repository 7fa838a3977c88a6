import crypto from "node:crypto";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { z } from "zod";
import { SlotPicker } from "@/components/appointments/slot-picker";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { rescheduleAction } from "@/lib/appointments/actions";
import { calendarDateParam } from "@/lib/appointments/schema";
import { rescheduleOptions } from "@/lib/appointments/views";
import { requireViewerPage } from "@/lib/auth/session";
import { formatDateTime, zoneLabel } from "@/lib/format";
import { addLocalDays, localDateOf } from "@/lib/scheduling";

export default async function ReschedulePage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string>>;
}) {
  await connection();
  const viewer = await requireViewerPage();
  const locale = await getLocale();
  const id = z.uuid().safeParse((await params).id);
  if (!id.success) notFound();
  const date = calendarDateParam.parse((await searchParams).date);
  const options = await rescheduleOptions(viewer, id.data, date, new Date());
  if (!options) notFound();
  const t = await getTranslations("appointments.detail");
  const { appointment: a } = options;
  const byDay = new Map<string, { start: string; end: string }[]>();
  for (const slot of options.slots) {
    const day = localDateOf(slot.start, viewer.timeZone);
    byDay.set(day, [...(byDay.get(day) ?? []), { start: slot.start.toISOString(), end: slot.end.toISOString() }]);
  }

  return (
    <main id="main" className="mx-auto max-w-4xl p-4">
      <p>
        <Link href={`/appointments/${a.id}`} className="text-sm text-brand-700 underline">
          {t("backToAppointment")}
        </Link>
      </p>
      <h1 className="mt-2 text-2xl font-bold">{t("rescheduleTitle")}</h1>
      <p className="mt-1">{t("currentTime", { time: formatDateTime(a.startsAt, viewer.timeZone, locale) })}</p>
      <p className="text-sm text-slate-600">{zoneLabel(new Date(), viewer.timeZone, locale)}</p>
      <nav aria-label={t("weekNavigation")} className="my-3 flex gap-2">
        <Link
          className="rounded border border-slate-300 bg-white px-3 py-1"
          href={`/appointments/${a.id}/reschedule?date=${addLocalDays(options.startDate, -7)}`}
        >
          {t("earlier")}
        </Link>
        <Link
          className="rounded border border-slate-300 bg-white px-3 py-1"
          href={`/appointments/${a.id}/reschedule?date=${addLocalDays(options.startDate, 7)}`}
        >
          {t("later")}
        </Link>
      </nav>
      <SlotPicker
        action={rescheduleAction}
        hidden={{ appointmentId: a.id, idempotencyKey: crypto.randomUUID() }}
        days={[...byDay.entries()].map(([day, slots]) => ({ date: day, slots }))}
        zone={viewer.timeZone}
        patientZone={a.patient.timeZone}
        summary={{
          patient: `${a.patient.firstName} ${a.patient.lastName}`,
          clinician: a.clinician.name,
          type: localizedTypeName(a.appointmentType, locale),
        }}
        mode="reschedule"
      />
    </main>
  );
}
