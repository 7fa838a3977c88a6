import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { getLocale, getTranslations } from "next-intl/server";
import { ContactSettingsSection } from "@/components/patient-messages/contact-section";
import { PatientForm } from "@/components/patients/patient-form";
import { ALL_ROLES, requireViewerPage } from "@/lib/auth/session";
import { StatusBadge } from "@/components/appointments/status-badge";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { patientAppointmentsForViewer } from "@/lib/appointments/views";
import { formatCalendarDate, formatDateTimeRange } from "@/lib/format";
import { isLocale, locales } from "@/lib/i18n/locales";
import { findDuplicatePatients, mergedInto } from "@/lib/patients/data";
import { auditActorOf } from "@/lib/audit/mutations";
import { readPatientForViewer } from "@/lib/patients/mutations";
import { formatPhone, timeZoneOptions } from "@/lib/patients/schema";

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ created?: string; merged?: string }>;
};

// The tab title is generic on purpose: browser history and shared screens should not list patient names.
export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("patients");
  return { title: t("title") };
}

export default async function PatientPage({ params, searchParams }: Props) {
  const viewer = await requireViewerPage(ALL_ROLES);
  const { id } = await params;
  const patient = await readPatientForViewer(auditActorOf(viewer), id);
  if (!patient) {
    // a record merged into another: its old links (bookmarks, the history) lead to the one kept
    const into = await mergedInto(id);
    if (into) redirect(`/patients/${into}`);
    notFound();
  }
  const { created, merged } = await searchParams;
  const t = await getTranslations("patients");
  const language = await getTranslations("language");
  const locale = await getLocale();
  const [duplicates, appointments] = await Promise.all([
    findDuplicatePatients(patient, patient.id),
    patientAppointmentsForViewer(viewer, patient.id),
  ]);

  const details: [string, string | null][] = [
    [t("form.birthDate"), patient.birthDate ? formatCalendarDate(patient.birthDate, locale) : null],
    [t("form.phone"), patient.phone ? formatPhone(patient.phone) : null],
    [t("form.email"), patient.email],
    [t("form.locale"), isLocale(patient.locale) ? language(patient.locale) : patient.locale],
    [t("form.timeZone"), patient.timeZone],
  ];

  return (
    <main id="main" className="mx-auto max-w-5xl p-4">
      <Link href="/patients" className="text-sm text-brand-700 underline hover:text-brand-900">
        {t("backToList")}
      </Link>
      <h1 className="mt-2 text-2xl font-bold tracking-tight sm:text-3xl">
        {patient.firstName} {patient.lastName}
      </h1>
      {created && (
        <p
          role="status"
          className="mt-3 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-800"
        >
          {t("detail.created")}
        </p>
      )}
      {merged && (
        <p
          role="status"
          className="mt-3 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-800"
        >
          {t("detail.merged")}
        </p>
      )}
      <section aria-labelledby="patient-details" className="mt-6">
        <h2 id="patient-details" className="text-lg font-semibold">
          {t("detail.details")}
        </h2>
        <dl className="mt-2 grid gap-x-6 gap-y-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2">
          {details.map(([label, value]) => (
            <div key={label}>
              <dt className="text-sm text-slate-600">{label}</dt>
              <dd className={value ? "break-words text-slate-900" : "text-slate-500"}>{value ?? t("detail.none")}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section aria-labelledby="patient-appointments" className="mt-8">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="patient-appointments" className="text-lg font-semibold">
            {t("detail.appointmentsTitle")}
          </h2>
          <Link
            href={`/appointments/new?patient=${patient.id}`}
            className="rounded-md bg-brand-700 px-4 py-2 font-semibold text-white hover:bg-brand-900"
          >
            {t("detail.bookForPatient")}
          </Link>
        </div>
        {appointments.ownOnly && <p className="mt-1 text-sm text-slate-600">{t("detail.appointmentsOwnOnly")}</p>}
        {appointments.appointments.length === 0 ? (
          <p className="mt-2 text-slate-600">{t("detail.appointmentsEmpty")}</p>
        ) : (
          <ul className="mt-2 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
            {appointments.appointments.map((a) => (
              <li key={a.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-2">
                <Link href={`/appointments/${a.id}`} className="text-brand-700 underline hover:text-brand-900">
                  {t("detail.appointmentLink", {
                    when: formatDateTimeRange(a.startsAt, a.endsAt, viewer.timeZone, locale),
                    type: localizedTypeName(a.appointmentType, locale),
                    clinician: a.clinician.name,
                  })}
                </Link>
                <StatusBadge status={a.status} />
              </li>
            ))}
          </ul>
        )}
      </section>
      {duplicates.length > 0 && (
        <section
          aria-labelledby="patient-duplicates"
          className="mt-8 rounded-lg border border-amber-300 bg-amber-50 p-4"
        >
          <h2 id="patient-duplicates" className="text-lg font-semibold">
            {t("detail.duplicatesTitle")}
          </h2>
          <p className="mt-1 text-sm text-slate-800">{t("detail.duplicatesLead")}</p>
          <ul className="mt-2 space-y-1">
            {duplicates.map((d) => (
              <li key={d.id}>
                <Link
                  href={`/patients/${patient.id}/merge?other=${d.id}`}
                  className="text-brand-700 underline hover:text-brand-900"
                >
                  {t("detail.compare", { name: `${d.firstName} ${d.lastName}` })}
                </Link>{" "}
                <span className="text-sm text-slate-700">
                  {d.reasons.map((reason) => t(`duplicates.reasons.${reason}`)).join(" ")}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <p className="mt-4">
        <Link href={`/patients/${patient.id}/merge`} className="text-sm text-brand-700 underline hover:text-brand-900">
          {t("detail.mergeOther")}
        </Link>
      </p>
      <ContactSettingsSection viewer={viewer} patientId={patient.id} />
      <section aria-labelledby="patient-edit" className="mt-8">
        <h2 id="patient-edit" className="text-lg font-semibold">
          {t("detail.edit")}
        </h2>
        <div className="mt-2 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">
          <PatientForm
            mode="update"
            patientId={patient.id}
            updatedAt={patient.updatedAt.toISOString()}
            locales={locales}
            timeZones={timeZoneOptions()}
            initial={{
              firstName: patient.firstName,
              lastName: patient.lastName,
              email: patient.email ?? "",
              phone: patient.phone ?? "",
              locale: patient.locale,
              timeZone: patient.timeZone,
              birthDate: patient.birthDate ?? "",
            }}
          />
        </div>
      </section>
    </main>
  );
}
