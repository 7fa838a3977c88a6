import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getTranslations } from "next-intl/server";
import { PatientFrame, withLang } from "@/components/patient/patient-frame";
import { openPatientLink } from "@/lib/appointments/patient-link-service";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { requestClientAddress } from "@/lib/audit/request";
import { clinicContact } from "@/lib/clinic-contact";
import { formatDateTimeRange, zoneLabel } from "@/lib/format";
import { isLocale, type Locale } from "@/lib/i18n/locales";
import { formatPhone } from "@/lib/patients/schema";
import { cancelFromLink } from "../../actions";

// The patient's own cancellation asks first: a tap on a phone is easy to make by mistake, and it cannot be
// undone online. "Yes" posts the cancel; "No" goes back to the appointment.
export const metadata: Metadata = { robots: { index: false, follow: false } };

export default async function PatientCancelPage({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await connection();
  const { token } = await params;
  const view = await openPatientLink(token, new Date(), { ip: await requestClientAddress() });
  if (!view) notFound();
  const query = await searchParams;
  const requestedLang = typeof query.lang === "string" && isLocale(query.lang) ? query.lang : null;
  const locale: Locale = requestedLang ?? (isLocale(view.locale) ? view.locale : "pt-BR");
  const t = await getTranslations({ locale, namespace: "join" });
  const clinic = clinicContact();
  const back = withLang(`/j/${token}`, requestedLang);

  return (
    <PatientFrame locale={locale} clinic={clinic} path={`/j/${token}/cancel`}>
      <h1 className="mt-6 text-2xl font-bold">{t("cancelConfirmTitle")}</h1>
      <section aria-label={t("appointment")} className="mt-4 rounded-lg border border-slate-200 bg-white p-4">
        <p className="text-lg">
          {t("with", {
            clinician: view.clinicianName,
            type: localizedTypeName({ name: view.typeName, nameEn: view.typeNameEn }, locale),
          })}
        </p>
        <p className="mt-2 text-xl font-semibold">
          {formatDateTimeRange(view.startsAt, view.endsAt, view.zone, locale)}
        </p>
        <p className="text-sm text-slate-600">{zoneLabel(view.startsAt, view.zone, locale)}</p>
      </section>
      {view.canCancel ? (
        <>
          <p className="mt-4">{t("cancelConfirmBody")}</p>
          <div className="mt-6 space-y-3">
            <form action={cancelFromLink}>
              <input type="hidden" name="token" value={token} />
              {requestedLang && <input type="hidden" name="lang" value={requestedLang} />}
              <button
                type="submit"
                className="block w-full rounded-md bg-red-700 px-4 py-3 text-center text-lg font-semibold text-white hover:bg-red-800"
              >
                {t("cancelConfirm")}
              </button>
            </form>
            <a
              href={back}
              className="block rounded-md border border-slate-300 bg-white px-4 py-3 text-center text-lg hover:bg-slate-100"
            >
              {t("cancelKeep")}
            </a>
          </div>
        </>
      ) : (
        <>
          <p className="mt-4" role="status">
            {view.phase === "upcoming"
              ? t("cancelTooLate", { clinic: clinic.name, phone: clinic.phone ? formatPhone(clinic.phone) : "none" })
              : t("cancelNotPossible")}
          </p>
          <a href={back} className="mt-4 inline-block text-brand-700 underline">
            {t("backToAppointment")}
          </a>
        </>
      )}
    </PatientFrame>
  );
}
