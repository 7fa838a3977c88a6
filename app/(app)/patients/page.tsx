import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { PatientResults } from "@/components/patients/patient-results";
import { PatientSearchForm } from "@/components/patients/patient-search-form";
import { ALL_ROLES, requireViewerPage } from "@/lib/auth/session";
import { searchPatients } from "@/lib/patients/data";
import { patientSearchSchema, SEARCH_TAKE_DEFAULT } from "@/lib/patients/schema";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("patients");
  return { title: t("title") };
}

export default async function PatientsPage({ searchParams }: { searchParams: Promise<{ q?: string | string[] }> }) {
  // Reception books for every clinician and clinicians look up their own patients: all roles search.
  const viewer = await requireViewerPage(ALL_ROLES);
  const t = await getTranslations("patients");
  const parsed = patientSearchSchema.safeParse({ query: (await searchParams).q });
  const query = parsed.success ? parsed.data.query : "";
  // ask for one more than shown to know whether the list was cut short
  const found = parsed.success ? await searchPatients({ query, take: SEARCH_TAKE_DEFAULT + 1 }, new Date()) : [];
  const patients = found.slice(0, SEARCH_TAKE_DEFAULT);

  return (
    <main id="main" className="mx-auto max-w-5xl p-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{t("title")}</h1>
          <p className="mt-1 text-slate-700">{t("lead")}</p>
        </div>
        <Link
          href="/patients/new"
          className="rounded-md border border-brand-700 bg-white px-4 py-2 font-semibold text-brand-700 hover:bg-brand-50"
        >
          {t("newPatient")}
        </Link>
      </div>
      <div className="mt-6">
        <PatientSearchForm
          query={parsed.success ? query : ""}
          error={parsed.success ? undefined : t("search.queryTooLong")}
        />
      </div>
      {parsed.success && (
        <div className="mt-6">
          <PatientResults
            patients={patients}
            query={query}
            limited={found.length > patients.length}
            zone={viewer.timeZone}
          />
        </div>
      )}
    </main>
  );
}
