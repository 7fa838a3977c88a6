// What the visit's Outlook event says, in the clinician's language (messages/*.json, namespace
// outlook.event). Pure. The subject holds no patient data unless the clinic chose OUTLOOK_EVENT_SUBJECT=patient;
// the body carries the Teams join link and the appointment page's link, both escaped.
import "server-only";
import { createTranslator } from "use-intl/core";
import en from "@/messages/en.json";
import pt from "@/messages/pt-BR.json";
import { defaultLocale, isLocale, type Locale } from "@/lib/i18n/locales";

const catalogues = { en, "pt-BR": pt } as const;

export interface EventContentInput {
  locale: string;
  typeName: string;
  /** only used when the subject may name the patient */
  patientName: string | null;
  joinWebUrl: string | null;
  appointmentUrl: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function visitEventContent(input: EventContentInput): { subject: string; bodyHtml: string } {
  const locale: Locale = isLocale(input.locale) ? input.locale : defaultLocale;
  const t = createTranslator({ locale, messages: catalogues[locale], namespace: "outlook.event" });
  const subject = input.patientName
    ? t("subjectWithPatient", { type: input.typeName, patient: input.patientName })
    : t("subject", { type: input.typeName });
  const join = input.joinWebUrl
    ? `<p><a href="${escapeHtml(input.joinWebUrl)}">${escapeHtml(t("join"))}</a></p>`
    : `<p>${escapeHtml(t("meetingPending"))}</p>`;
  const page = `<p><a href="${escapeHtml(input.appointmentUrl)}">${escapeHtml(t("open"))}</a></p>`;
  return { subject, bodyHtml: `${join}${page}<p>${escapeHtml(t("note"))}</p>` };
}
