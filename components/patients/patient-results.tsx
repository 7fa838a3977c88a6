import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { formatCalendarDate, formatDateTime } from "@/lib/format";
import { isLocale } from "@/lib/i18n/locales";
import type { PatientSummary } from "@/lib/patients/types";

export async function PatientResults({
  patients,
  query,
  limited,
  zone,
}: {
  patients: PatientSummary[];
  query: string;
  limited: boolean;
  /** the viewer's zone, for the next appointment's time */
  zone: string;
}) {
  const t = await getTranslations("patients.results");
  const language = await getTranslations("language");
  const locale = await getLocale();

  if (patients.length === 0) {
    return (
      <p role="status" className="rounded-lg border border-slate-200 bg-white p-4 text-slate-700">
        {query ? t("empty", { query }) : t("emptyAll")}
      </p>
    );
  }

  return (
    <div>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">{query ? t("caption") : t("captionAll")}</caption>
          <thead className="border-b border-slate-200 bg-slate-50 text-slate-700">
            <tr>
              <th scope="col" className="px-4 py-2 font-semibold">
                {t("name")}
              </th>
              <th scope="col" className="px-4 py-2 font-semibold">
                {t("phone")}
              </th>
              <th scope="col" className="px-4 py-2 font-semibold">
                {t("birthDate")}
              </th>
              <th scope="col" className="px-4 py-2 font-semibold">
                {t("nextAppointment")}
              </th>
              <th scope="col" className="px-4 py-2 font-semibold">
                {t("locale")}
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {patients.map((patient) => (
              <tr key={patient.id}>
                <th scope="row" className="px-4 py-2 font-medium">
                  <Link href={`/patients/${patient.id}`} className="text-brand-700 underline hover:text-brand-900">
                    {patient.firstName} {patient.lastName}
                  </Link>
                </th>
                <td className="px-4 py-2 font-mono whitespace-nowrap text-slate-700">
                  {patient.phoneMasked ? (
                    <>
                      <span aria-hidden="true">{patient.phoneMasked}</span>
                      <span className="sr-only">{t("phoneMaskedLabel", { last4: patient.phoneMasked.slice(-4) })}</span>
                    </>
                  ) : (
                    <span className="font-sans text-slate-500">{t("noPhone")}</span>
                  )}
                </td>
                <td className="px-4 py-2 whitespace-nowrap text-slate-700">
                  {patient.birthDate ? formatCalendarDate(patient.birthDate, locale) : "—"}
                </td>
                <td className="px-4 py-2 text-slate-700">
                  {patient.nextAppointment
                    ? t("nextWith", {
                        time: formatDateTime(patient.nextAppointment.startsAt, zone, locale),
                        clinician: patient.nextAppointment.clinicianName,
                      })
                    : t("noNextAppointment")}
                </td>
                <td className="px-4 py-2 text-slate-700">
                  {isLocale(patient.locale) ? language(patient.locale) : patient.locale}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {limited && (
        <p role="status" className="mt-2 text-sm text-slate-600">
          {t("limited", { count: patients.length })}
        </p>
      )}
    </div>
  );
}
