import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { PatientForm } from "@/components/patients/patient-form";
import { ALL_ROLES, requireViewerPage } from "@/lib/auth/session";
import { locales } from "@/lib/i18n/locales";
import { DEFAULT_PATIENT_LOCALE, DEFAULT_PATIENT_TIME_ZONE, timeZoneOptions } from "@/lib/patients/schema";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("patients.new");
  return { title: t("title") };
}

export default async function NewPatientPage() {
  await requireViewerPage(ALL_ROLES);
  const t = await getTranslations("patients");
  return (
    <main id="main" className="mx-auto max-w-5xl p-4">
      <Link href="/patients" className="text-sm text-brand-700 underline hover:text-brand-900">
        {t("backToList")}
      </Link>
      <h1 className="mt-2 text-2xl font-bold tracking-tight sm:text-3xl">{t("new.title")}</h1>
      <p className="mt-1 text-slate-700">{t("new.lead")}</p>
      <div className="mt-6 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">
        <PatientForm
          mode="create"
          locales={locales}
          timeZones={timeZoneOptions()}
          initial={{
            firstName: "",
            lastName: "",
            email: "",
            phone: "",
            locale: DEFAULT_PATIENT_LOCALE,
            timeZone: DEFAULT_PATIENT_TIME_ZONE,
            birthDate: "",
          }}
        />
      </div>
    </main>
  );
}
