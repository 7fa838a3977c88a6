import crypto from "node:crypto";
import Link from "next/link";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { z } from "zod";
import { SlotPicker } from "@/components/appointments/slot-picker";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { bookAction } from "@/lib/appointments/actions";
import { calendarDateParam } from "@/lib/appointments/schema";
import { bookingOptions } from "@/lib/appointments/views";
import { ALL_ROLES, requireViewerPage } from "@/lib/auth/session";
import { zoneLabel } from "@/lib/format";
import { searchPatients } from "@/lib/patients/data";
import { addLocalDays, clocksDiffer } from "@/lib/scheduling";

const query = z.object({
  clinician: z.uuid().optional().catch(undefined),
  type: z.uuid().optional().catch(undefined),
  patient: z.uuid().optional().catch(undefined),
  q: z.string().max(100).optional().catch(undefined),
  date: calendarDateParam,
});

export default async function NewAppointmentPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await connection();
  const viewer = await requireViewerPage(ALL_ROLES);
  const locale = await getLocale();
  const t = await getTranslations("appointments.booking");
  const params = query.parse(await searchParams);
  const options = await bookingOptions(
    viewer,
    { clinicianId: params.clinician, appointmentTypeId: params.type, patientId: params.patient, date: params.date },
    new Date(),
  );
  const found = params.q && !options.patient ? await searchPatients({ query: params.q, take: 10 }) : [];
  const keep = (extra: Record<string, string | undefined>) => {
    const merged = {
      clinician: options.clinician?.id,
      type: options.type?.id,
      patient: options.patient?.id,
      date: params.date,
      ...extra,
    };
    return `/appointments/new?${new URLSearchParams(Object.entries(merged).filter((e): e is [string, string] => Boolean(e[1])))}`;
  };
  const types = options.clinician?.appointmentTypes ?? [];

  return (
    <main id="main" className="mx-auto max-w-5xl p-4">
      <h1 className="text-2xl font-bold">{t("title")}</h1>

      <section aria-labelledby="step-1" className="mt-6">
        <h2 id="step-1" className="text-lg font-semibold">
          1. {t("stepClinician")}
        </h2>
        <form action="/appointments/new" className="mt-2 flex flex-wrap items-end gap-3">
          {options.patient && <input type="hidden" name="patient" value={options.patient.id} />}
          <div>
            <label htmlFor="clinician" className="block text-sm font-medium">
              {t("clinician")}
            </label>
            <select
              id="clinician"
              name="clinician"
              defaultValue={options.clinician?.id ?? ""}
              className="mt-1 rounded border border-slate-300 bg-white px-2 py-1"
            >
              <option value="">{t("choose")}</option>
              {options.clinicians.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="type" className="block text-sm font-medium">
              {t("type")}
            </label>
            <select
              id="type"
              name="type"
              defaultValue={options.type?.id ?? ""}
              className="mt-1 rounded border border-slate-300 bg-white px-2 py-1"
            >
              <option value="">{t("choose")}</option>
              {(types.length
                ? types
                : options.clinicians
                    .flatMap((c) => c.appointmentTypes)
                    .filter((x, i, all) => all.findIndex((y) => y.id === x.id) === i)
              ).map((type) => (
                <option key={type.id} value={type.id}>
                  {localizedTypeName(type, locale)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="rounded border border-slate-300 bg-white px-3 py-1">
            {t("continue")}
          </button>
        </form>
      </section>

      <section aria-labelledby="step-2" className="mt-8">
        <h2 id="step-2" className="text-lg font-semibold">
          2. {t("stepPatient")}
        </h2>
        {options.patient ? (
          <p className="mt-2">
            <span className="font-medium">
              {options.patient.firstName} {options.patient.lastName}
            </span>{" "}
            <Link href={keep({ patient: undefined })} className="text-sm text-brand-700 underline">
              {t("changePatient")}
            </Link>
          </p>
        ) : (
          <>
            <form action="/appointments/new" className="mt-2 flex flex-wrap items-end gap-3">
              {options.clinician && <input type="hidden" name="clinician" value={options.clinician.id} />}
              {options.type && <input type="hidden" name="type" value={options.type.id} />}
              <div>
                <label htmlFor="q" className="block text-sm font-medium">
                  {t("searchPatient")}
                </label>
                <input
                  id="q"
                  name="q"
                  type="search"
                  defaultValue={params.q ?? ""}
                  className="mt-1 rounded border border-slate-300 bg-white px-2 py-1"
                />
              </div>
              <button type="submit" className="rounded border border-slate-300 bg-white px-3 py-1">
                {t("search")}
              </button>
              <Link href="/patients/new" className="text-sm text-brand-700 underline">
                {t("newPatient")}
              </Link>
            </form>
            {params.q && (
              <ul className="mt-3 space-y-1">
                {found.length === 0 && <li className="text-slate-600">{t("noPatients")}</li>}
                {found.map((p) => (
                  <li key={p.id}>
                    <Link href={keep({ patient: p.id })} className="text-brand-700 underline">
                      {t("choosePatient", { name: `${p.firstName} ${p.lastName}` })}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>

      <section aria-labelledby="step-3" className="mt-8">
        <h2 id="step-3" className="text-lg font-semibold">
          3. {t("stepTime")}
        </h2>
        {options.clinician && options.type && options.patient ? (
          <>
            <p className="mt-1 text-sm text-slate-600">
              {t("timesIn", { zone: zoneLabel(new Date(), viewer.timeZone, locale) })}
              {clocksDiffer(new Date(), viewer.timeZone, options.patient.timeZone) &&
                ` ${t("patientTimesIn", { zone: zoneLabel(new Date(), options.patient.timeZone, locale) })}`}
            </p>
            <nav aria-label={t("weekNavigation")} className="my-3 flex gap-2">
              <Link
                className="rounded border border-slate-300 bg-white px-3 py-1"
                href={keep({ date: addLocalDays(options.startDate, -7) })}
              >
                {t("earlier")}
              </Link>
              <Link
                className="rounded border border-slate-300 bg-white px-3 py-1"
                href={keep({ date: addLocalDays(options.startDate, 7) })}
              >
                {t("later")}
              </Link>
            </nav>
            <SlotPicker
              action={bookAction}
              hidden={{
                clinicianId: options.clinician.id,
                appointmentTypeId: options.type.id,
                patientId: options.patient.id,
                idempotencyKey: crypto.randomUUID(),
              }}
              days={options.days.map((d) => ({
                date: d.date,
                slots: d.slots.map((s) => ({ start: s.start.toISOString(), end: s.end.toISOString() })),
              }))}
              zone={viewer.timeZone}
              patientZone={options.patient.timeZone}
              summary={{
                patient: `${options.patient.firstName} ${options.patient.lastName}`,
                clinician: options.clinician.name,
                type: localizedTypeName(options.type, locale),
              }}
              mode="book"
            />
          </>
        ) : (
          <p className="mt-2 text-slate-600">{t("chooseFirst")}</p>
        )}
      </section>
    </main>
  );
}
