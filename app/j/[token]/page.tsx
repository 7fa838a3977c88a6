import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getTranslations } from "next-intl/server";
import { openPatientLink } from "@/lib/appointments/patient-link";
import { requestClientAddress } from "@/lib/audit/request";
import { formatDateTimeRange, zoneLabel } from "@/lib/format";
import { cancelFromLink, confirmFromLink } from "../actions";

// The patient's page: opened from a message on a phone, no account. Server-rendered only (no client
// JavaScript of its own), in the patient's language and time zone.
export const metadata: Metadata = { robots: { index: false, follow: false } };

const outcomes = ["confirmed", "cancelled", "refused", "invalid"] as const;

export default async function PatientJoinPage({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<Record<string, string>>;
}) {
  await connection();
  const { token } = await params;
  const view = await openPatientLink(token, new Date(), { ip: await requestClientAddress() });
  // unknown, malformed, expired and revoked links all get the same answer
  if (!view) notFound();
  const t = await getTranslations({ locale: view.locale, namespace: "join" });
  const requested = (await searchParams).done;
  const done = outcomes.find((o) => o === requested);
  const when = formatDateTimeRange(view.startsAt, view.endsAt, view.zone, view.locale);

  return (
    <main id="main" lang={view.locale} className="mx-auto max-w-md p-4">
      <p className="text-sm font-semibold text-brand-900">Consulta</p>
      <h1 className="mt-2 text-2xl font-bold">{t("greeting", { name: view.firstName })}</h1>
      {done && (
        <p role="status" className="mt-4 rounded border border-slate-300 bg-white p-3">
          {t(`done.${done}`)}
        </p>
      )}
      <section className="mt-4 rounded-lg border border-slate-200 bg-white p-4">
        <p className="text-lg">{t("with", { clinician: view.clinicianName, type: view.typeName })}</p>
        <p className="mt-2 text-xl font-semibold">{when}</p>
        <p className="text-sm text-slate-600">{zoneLabel(view.startsAt, view.zone, view.locale)}</p>
        <p className="mt-2">{t(`status.${view.status}`)}</p>
      </section>

      {view.status !== "CANCELLED" && (
        <div className="mt-6 space-y-3">
          {view.joinWebUrl ? (
            <a
              href={view.joinWebUrl}
              rel="noreferrer"
              className="block rounded-md bg-brand-700 px-4 py-3 text-center text-lg font-semibold text-white hover:bg-brand-900"
            >
              {t("join")}
            </a>
          ) : (
            <p className="rounded border border-slate-200 bg-slate-100 p-3 text-slate-700">{t("joinSoon")}</p>
          )}
          <a
            href={`/j/${token}/calendar.ics`}
            className="block rounded-md border border-slate-300 bg-white px-4 py-3 text-center hover:bg-slate-100"
          >
            {t("addToCalendar")}
          </a>
          {view.canConfirm && (
            <form action={confirmFromLink}>
              <input type="hidden" name="token" value={token} />
              <button
                type="submit"
                className="w-full rounded-md border border-emerald-600 bg-white px-4 py-3 font-semibold text-emerald-800 hover:bg-emerald-50"
              >
                {t("confirm")}
              </button>
            </form>
          )}
          {view.canCancel && (
            <form action={cancelFromLink}>
              <input type="hidden" name="token" value={token} />
              <button
                type="submit"
                className="w-full rounded-md border border-red-600 bg-white px-4 py-3 font-semibold text-red-800 hover:bg-red-50"
              >
                {t("cancel")}
              </button>
            </form>
          )}
        </div>
      )}
    </main>
  );
}
