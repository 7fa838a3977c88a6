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
import { patientLinkUrl } from "@/lib/appointments/join-token";
import { googleCalendarUrl, outlookCalendarUrl } from "@/lib/patient-messages/calendar-links";
import { calendarLinkInput } from "@/lib/patient-messages/templates";
import { confirmFromLink } from "../actions";

// The patient's page: opened from a message on a phone, no account. Server-rendered only (no client
// JavaScript of its own), in the patient's language (or the one they switch to) and time zone. The one link
// lives as long as the appointment: it shows a moved time, a cancellation or the visit's end, and offers the
// meeting only while the visit can still happen.
export const metadata: Metadata = { robots: { index: false, follow: false } };

const outcomes = ["confirmed", "cancelled", "refused", "invalid"] as const;

const button =
  "block rounded-md px-4 py-3 text-center text-lg font-semibold focus-visible:outline-offset-2 disabled:opacity-50";

export default async function PatientJoinPage({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await connection();
  const { token } = await params;
  const view = await openPatientLink(token, new Date(), { ip: await requestClientAddress() });
  // unknown, malformed and expired links all get the same answer
  if (!view) notFound();
  const query = await searchParams;
  const requestedLang = typeof query.lang === "string" && isLocale(query.lang) ? query.lang : null;
  const locale: Locale = requestedLang ?? (isLocale(view.locale) ? view.locale : "pt-BR");
  const t = await getTranslations({ locale, namespace: "join" });
  const done = outcomes.find((o) => o === query.done);
  const clinic = clinicContact();
  const phone = clinic.phone ? formatPhone(clinic.phone) : "none";
  const path = `/j/${token}`;
  const when = formatDateTimeRange(view.startsAt, view.endsAt, view.zone, locale);
  const typeName = localizedTypeName({ name: view.typeName, nameEn: view.typeNameEn }, locale);
  const calendar = calendarLinkInput({ ...view, typeName, locale, clinic, link: patientLinkUrl(token) });
  // the patient's own cancellation lands here: this is its "done" page
  const cancelledJustNow = done === "cancelled" && view.phase === "cancelled";

  return (
    <PatientFrame locale={locale} clinic={clinic} path={path}>
      {cancelledJustNow ? (
        <section aria-labelledby="title" className="mt-6">
          <h1 id="title" className="text-2xl font-bold">
            {t("cancelDoneTitle")}
          </h1>
          <p role="status" className="mt-3 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-emerald-900">
            {t("cancelDoneBody", { name: view.firstName })}
          </p>
        </section>
      ) : (
        <h1 className="mt-6 text-2xl font-bold">{t("greeting", { name: view.firstName })}</h1>
      )}
      {done && !cancelledJustNow && (
        <p role="status" className="mt-4 rounded-md border border-slate-300 bg-white p-3">
          {t(`done.${done}`)}
        </p>
      )}

      <section
        aria-label={t("appointment")}
        className={`mt-4 rounded-lg border bg-white p-4 ${view.phase === "upcoming" ? "border-slate-200" : "border-slate-300"}`}
      >
        <p className="text-lg">{t("with", { clinician: view.clinicianName, type: typeName })}</p>
        <p className={`mt-2 text-xl font-semibold ${view.phase === "cancelled" ? "text-slate-500 line-through" : ""}`}>
          {when}
        </p>
        <p className="text-sm text-slate-600">{zoneLabel(view.startsAt, view.zone, locale)}</p>
        {view.phase === "upcoming" && (
          <p className="mt-2" data-testid="patient-status">
            {t(`status.${view.status}`)}
          </p>
        )}
        {view.phase === "upcoming" && view.movedFrom && (
          <p className="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-amber-950" data-testid="moved">
            {t("moved", {
              when: formatDateTimeRange(
                view.movedFrom,
                new Date(view.movedFrom.getTime() + (view.endsAt.getTime() - view.startsAt.getTime())),
                view.zone,
                locale,
              ),
            })}
          </p>
        )}
      </section>

      {view.phase === "cancelled" && !cancelledJustNow && (
        <section aria-labelledby="cancelled" className="mt-4 rounded-lg border border-red-200 bg-red-50 p-4">
          <h2 id="cancelled" className="text-lg font-semibold text-red-900">
            {t("cancelledTitle")}
          </h2>
          <p className="mt-1 text-red-950">{t("bookAgain", { clinic: clinic.name, phone })}</p>
        </section>
      )}
      {cancelledJustNow && <p className="mt-4">{t("bookAgain", { clinic: clinic.name, phone })}</p>}

      {view.phase === "ended" && (
        <section aria-labelledby="ended" className="mt-4 rounded-lg border border-slate-300 bg-slate-100 p-4">
          <h2 id="ended" className="text-lg font-semibold">
            {t("endedTitle")}
          </h2>
          <p className="mt-1">{t("bookAnother", { clinic: clinic.name, phone })}</p>
        </section>
      )}

      {view.phase === "upcoming" && (
        <div className="mt-6 space-y-3">
          {view.joinWebUrl ? (
            <a
              href={view.joinWebUrl}
              rel="noreferrer"
              className={`${button} bg-brand-700 text-white hover:bg-brand-900`}
            >
              {t("join")}
            </a>
          ) : (
            <p className="rounded-md border border-slate-200 bg-slate-100 p-3 text-slate-700">{t("joinSoon")}</p>
          )}
          {view.canConfirm && (
            <form action={confirmFromLink}>
              <input type="hidden" name="token" value={token} />
              {requestedLang && <input type="hidden" name="lang" value={requestedLang} />}
              <button
                type="submit"
                className={`${button} w-full border border-emerald-600 bg-white text-emerald-800 hover:bg-emerald-50`}
              >
                {t("confirm")}
              </button>
            </form>
          )}
          <section aria-labelledby="calendar" className="rounded-lg border border-slate-200 bg-white p-4">
            <h2 id="calendar" className="text-base font-semibold">
              {t("calendarTitle")}
            </h2>
            <ul className="mt-2 space-y-2">
              <li>
                <a href={withLang(`${path}/calendar.ics`, requestedLang)} className="text-brand-700 underline">
                  {t("addToCalendar")}
                </a>
              </li>
              <li>
                <a
                  href={googleCalendarUrl(calendar)}
                  rel="noreferrer"
                  target="_blank"
                  className="text-brand-700 underline"
                >
                  {t("google")}
                </a>
              </li>
              <li>
                <a
                  href={outlookCalendarUrl(calendar)}
                  rel="noreferrer"
                  target="_blank"
                  className="text-brand-700 underline"
                >
                  {t("outlook")}
                </a>
              </li>
            </ul>
          </section>
          {view.canCancel ? (
            <a
              href={withLang(`${path}/cancel`, requestedLang)}
              className={`${button} border border-red-600 bg-white text-red-800 hover:bg-red-50`}
            >
              {t("cancel")}
            </a>
          ) : (
            view.cancelRefusal === "pastCutoff" && (
              <p className="text-slate-700">{t("cancelTooLate", { clinic: clinic.name, phone })}</p>
            )
          )}
        </div>
      )}
    </PatientFrame>
  );
}
