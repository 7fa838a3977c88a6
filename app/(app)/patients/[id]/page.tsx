import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { PatientForm } from "@/components/patients/patient-form";
import { ALL_ROLES, requireViewerPage } from "@/lib/auth/session";
import { isLocale, locales } from "@/lib/i18n/locales";
import { auditActorOf, readPatientForViewer } from "@/lib/patients/mutations";
import { formatPhone, timeZoneOptions } from "@/lib/patients/schema";

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ created?: string }>;
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
  if (!patient) notFound();
  const { created } = await searchParams;
  const t = await getTranslations("patients");
  const language = await getTranslations("language");

  const details: [string, string | null][] = [
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
            }}
          />
        </div>
      </section>
    </main>
  );
}
