import { getLocale, getTranslations } from "next-intl/server";
import type { Viewer } from "@/lib/auth/session";
import { formatDate } from "@/lib/format";
import { contactSettingsForViewer } from "@/lib/patient-messages/views";
import { ContactSettingsForm } from "./message-forms";

/** Patient page: appointment messages — channels, consent and an SMS opt-out the patient made by texting STOP. */
export async function ContactSettingsSection({ viewer, patientId }: { viewer: Viewer; patientId: string }) {
  const settings = await contactSettingsForViewer(viewer, patientId);
  if (!settings) return null;
  const t = await getTranslations("patients.messaging");
  const locale = await getLocale();
  return (
    <section aria-labelledby="patient-messaging" className="mt-8">
      <h2 id="patient-messaging" className="text-lg font-semibold">
        {t("title")}
      </h2>
      <div className="mt-2 space-y-3 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">
        <p className="text-sm text-slate-700">{t("lead")}</p>
        <p data-testid="message-consent">
          {settings.messageConsentAt
            ? t("consentSince", { date: formatDate(settings.messageConsentAt, viewer.timeZone, locale) })
            : t("noConsent")}
        </p>
        {settings.smsOptedOutAt && (
          <p
            className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950"
            data-testid="sms-opted-out"
          >
            {t("optedOut", { date: formatDate(settings.smsOptedOutAt, viewer.timeZone, locale) })}
          </p>
        )}
        <ContactSettingsForm
          patientId={settings.id}
          preference={settings.contactPreference}
          consented={Boolean(settings.messageConsentAt)}
          callsDeclined={Boolean(settings.callsDeclinedAt)}
        />
      </div>
    </section>
  );
}
