import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getLocale, getTranslations } from "next-intl/server";
import { z } from "zod";
import { MergeForm } from "@/components/patients/merge-form";
import { ALL_ROLES, requireViewerPage } from "@/lib/auth/session";
import { formatCalendarDate } from "@/lib/format";
import { countAppointments, findDuplicatePatients, searchPatients } from "@/lib/patients/data";
import { auditActorOf } from "@/lib/audit/mutations";
import { readPatientForViewer } from "@/lib/patients/mutations";
import { formatPhone, patientSearchSchema } from "@/lib/patients/schema";
import type { PatientRecord } from "@/lib/patients/types";

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ other?: string | string[]; q?: string | string[] }>;
};

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("patients.merge");
  return { title: t("title") };
}

const otherParam = z.uuid().optional().catch(undefined);

/**
 * Merging a duplicate into this record: first the other record is chosen (the likely duplicates, or a
 * search), then both are shown side by side and the person picks which one stays. Every role on the clinic
 * side may merge, as every role may correct a record; both reads are audited.
 */
export default async function MergePatientPage({ params, searchParams }: Props) {
  const viewer = await requireViewerPage(ALL_ROLES);
  const actor = auditActorOf(viewer);
  const { id } = await params;
  const patient = await readPatientForViewer(actor, id);
  if (!patient) notFound();
  const query = await searchParams;
  const otherId = otherParam.parse(Array.isArray(query.other) ? query.other[0] : query.other);
  const other = otherId && otherId !== patient.id ? await readPatientForViewer(actor, otherId) : null;
  const t = await getTranslations("patients.merge");
  const locale = await getLocale();
  const name = (p: { firstName: string; lastName: string }) => `${p.firstName} ${p.lastName}`;

  return (
    <main id="main" className="mx-auto max-w-5xl p-4">
      <Link href={`/patients/${patient.id}`} className="text-sm text-brand-700 underline hover:text-brand-900">
        {t("back")}
      </Link>
      <h1 className="mt-2 text-2xl font-bold tracking-tight sm:text-3xl">{t("title")}</h1>
      <p className="mt-1 max-w-3xl text-slate-700">{t("lead")}</p>
      {other ? (
        <Compare patient={patient} other={other} locale={locale} name={name} />
      ) : (
        <Choose patientId={patient.id} patient={patient} query={query.q} name={name} />
      )}
    </main>
  );
}

async function Choose({
  patientId,
  patient,
  query,
  name,
}: {
  patientId: string;
  patient: PatientRecord;
  query: string | string[] | undefined;
  name: (p: { firstName: string; lastName: string }) => string;
}) {
  const t = await getTranslations("patients.merge");
  const search = patientSearchSchema.safeParse({ query });
  const q = search.success ? search.data.query : "";
  const [likely, found] = await Promise.all([
    findDuplicatePatients(patient, patientId),
    q ? searchPatients({ query: q, take: 20 }) : Promise.resolve([]),
  ]);
  const results = found.filter((p) => p.id !== patientId);
  const compareLink = (otherId: string) => `/patients/${patientId}/merge?other=${otherId}`;
  return (
    <>
      <section aria-labelledby="merge-likely" className="mt-6">
        <h2 id="merge-likely" className="text-lg font-semibold">
          {t("likely")}
        </h2>
        {likely.length === 0 ? (
          <p className="mt-2 text-slate-700">{t("noLikely")}</p>
        ) : (
          <ul className="mt-2 space-y-1">
            {likely.map((d) => (
              <li key={d.id}>
                <Link href={compareLink(d.id)} className="text-brand-700 underline hover:text-brand-900">
                  {t("choose", { name: name(d) })}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <form action={`/patients/${patientId}/merge`} method="get" role="search" className="mt-6 flex flex-col gap-1">
        <label htmlFor="merge-query" className="text-sm font-medium text-slate-800">
          {t("searchLabel")}
        </label>
        <div className="flex flex-col gap-2 sm:flex-row">
          <input
            id="merge-query"
            name="q"
            type="search"
            defaultValue={q}
            maxLength={100}
            autoComplete="off"
            className="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 text-base"
          />
          <button
            type="submit"
            className="rounded-md bg-brand-700 px-5 py-2 text-base font-semibold text-white shadow hover:bg-brand-900"
          >
            {t("search")}
          </button>
        </div>
      </form>
      {q && (
        <ul className="mt-3 space-y-1" aria-label={t("searchLabel")}>
          {results.length === 0 && <li className="text-slate-700">{t("noResults")}</li>}
          {results.map((p) => (
            <li key={p.id}>
              <Link href={compareLink(p.id)} className="text-brand-700 underline hover:text-brand-900">
                {t("choose", { name: name(p) })}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

async function Compare({
  patient,
  other,
  locale,
  name,
}: {
  patient: PatientRecord;
  other: PatientRecord;
  locale: string;
  name: (p: { firstName: string; lastName: string }) => string;
}) {
  const t = await getTranslations("patients.merge");
  const form = await getTranslations("patients.form");
  const detail = await getTranslations("patients.detail");
  const counts = await countAppointments([patient.id, other.id]);
  const show = (value: string | null) => value ?? detail("none");
  const rows: [string, (p: PatientRecord) => string][] = [
    [form("firstName"), (p) => p.firstName],
    [form("lastName"), (p) => p.lastName],
    [form("birthDate"), (p) => show(p.birthDate ? formatCalendarDate(p.birthDate, locale) : null)],
    [form("phone"), (p) => show(p.phone ? formatPhone(p.phone) : null)],
    [form("email"), (p) => show(p.email)],
    [form("timeZone"), (p) => p.timeZone],
    [t("appointments"), (p) => String(counts[p.id] ?? 0)],
  ];
  return (
    <section aria-labelledby="merge-compare" className="mt-6">
      <h2 id="merge-compare" className="text-lg font-semibold">
        {t("compareTitle")}
      </h2>
      <div className="mt-2 overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">{t("compareTitle")}</caption>
          <thead className="border-b border-slate-200 bg-slate-50 text-slate-700">
            <tr>
              <th scope="col" className="px-4 py-2 font-semibold">
                {t("field")}
              </th>
              <th scope="col" className="px-4 py-2 font-semibold">
                {t("thisRecord")}
              </th>
              <th scope="col" className="px-4 py-2 font-semibold">
                {t("otherRecord")}
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map(([label, value]) => (
              <tr key={label}>
                <th scope="row" className="px-4 py-2 font-medium">
                  {label}
                </th>
                <td className="px-4 py-2 break-words">{value(patient)}</td>
                <td className="px-4 py-2 break-words">{value(other)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="mt-4">
        <MergeForm
          a={patient.id}
          b={other.id}
          choices={[
            { id: patient.id, label: t("keep", { name: name(patient), which: t("thisRecord") }) },
            { id: other.id, label: t("keep", { name: name(other), which: t("otherRecord") }) },
          ]}
        />
      </div>
      <p className="mt-4">
        <Link href={`/patients/${patient.id}/merge`} className="text-sm text-brand-700 underline hover:text-brand-900">
          {t("chooseOther")}
        </Link>
      </p>
    </section>
  );
}
