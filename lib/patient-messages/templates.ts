// What each message says, in the patient's language and time zone. The sentences are in messages/*.json
// (namespace patientMessages), so both languages say the same things and the messages test checks them;
// dates go through lib/format.ts. Pure: the context carries everything, so a job renders at send time and
// nothing rendered is stored.
import "server-only";
import { createTranslator } from "use-intl/core";
import en from "@/messages/en.json";
import pt from "@/messages/pt-BR.json";
import { formatDate, formatDateTimeRange, formatTime, formatWeekday, zoneLabel } from "@/lib/format";
import { defaultLocale, isLocale, type Locale } from "@/lib/i18n/locales";
import { formatPhone } from "@/lib/patients/schema";
import { googleCalendarUrl, outlookCalendarUrl, type CalendarLinkInput } from "./calendar-links";
import type { CalendarEntry } from "./ics";
import { fitSms, type SmsLength } from "./sms-text";

export type Template = "BOOKED" | "RESCHEDULED" | "CANCELLED" | "REMINDER";

export interface MessageContext {
  locale: string;
  firstName: string;
  clinicianName: string;
  typeName: string;
  startsAt: Date;
  endsAt: Date;
  /** the patient's zone: every time in the message is theirs */
  zone: string;
  /** the start before a reschedule */
  movedFrom: Date | null;
  clinic: { name: string; phone: string | null };
  /** the patient's page */
  link: string;
}

const catalogues = { en, "pt-BR": pt } as const;

// one per language, kept: a translator caches its compiled messages, and every call's prompts and every
// message would otherwise compile them again
const translators = new Map<Locale, { locale: Locale; t: ReturnType<typeof createPatientTranslator> }>();
const createPatientTranslator = (locale: Locale) =>
  createTranslator({ locale, messages: catalogues[locale], namespace: "patientMessages" });

function translator(locale: string) {
  const chosen: Locale = isLocale(locale) ? locale : defaultLocale;
  let found = translators.get(chosen);
  if (!found) translators.set(chosen, (found = { locale: chosen, t: createPatientTranslator(chosen) }));
  return found;
}

/**
 * A template needs a value: "none" picks its other wording. E-mail shows the number as people write it
 * ("+55 11 3000 0000"); a text keeps E.164, shorter and tappable as it is.
 */
const phoneOrNone = (phone: string | null, readable = false) =>
  phone ? (readable ? formatPhone(phone) : phone) : "none";

/**
 * "your appointment on Tuesday, March 12, 2030 at 10:00 AM with Dra. Ana Ribeiro" — for anything that has to
 * say which appointment it is about in a sentence of its own (the call runtime's prompts, too).
 */
export function appointmentPhrase(
  locale: string,
  appointment: { startsAt: Date; zone: string; clinicianName: string },
): string {
  const { locale: l, t } = translator(locale);
  return t("phrase", {
    day: formatDate(appointment.startsAt, appointment.zone, l, "full"),
    time: formatTime(appointment.startsAt, appointment.zone, l),
    clinician: appointment.clinicianName,
  });
}

function whenLong(ctx: MessageContext, locale: Locale): string {
  return formatDateTimeRange(ctx.startsAt, ctx.endsAt, ctx.zone, locale);
}

function whenShort(ctx: MessageContext, locale: Locale, t: ReturnType<typeof translator>["t"]): string {
  return t("smsWhen", {
    day: formatWeekday(ctx.startsAt, ctx.zone, locale),
    time: formatTime(ctx.startsAt, ctx.zone, locale),
  });
}

export interface RenderedSms extends SmsLength {
  text: string;
}

/** The text message: short, with the link; folded to the GSM alphabet when possible (sms-text.ts). */
export function renderSms(template: Template, ctx: MessageContext): RenderedSms {
  const { locale, t } = translator(ctx.locale);
  const text = t(`sms.${template}`, {
    clinic: ctx.clinic.name,
    name: ctx.firstName,
    clinician: ctx.clinicianName,
    when: whenShort(ctx, locale, t),
    link: ctx.link,
    phone: phoneOrNone(ctx.clinic.phone),
  });
  const fitted = fitSms(text.replace(/\s+/g, " ").trim());
  return { text: fitted.text, ...fitted.length };
}

export interface RenderedEmail {
  subject: string;
  html: string;
  /** the same message as plain text (tests, logs of shape, never of content) */
  text: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The calendar entry the e-mail carries and the page offers; the same UID and SEQUENCE for both. */
export function calendarEntryFor(
  ctx: MessageContext,
  appointment: { id: string; version: number; cancelled: boolean },
): CalendarEntry {
  const { t } = translator(ctx.locale);
  return {
    appointmentId: appointment.id,
    version: appointment.version,
    cancelled: appointment.cancelled,
    startsAt: ctx.startsAt,
    endsAt: ctx.endsAt,
    title: t("calendarTitle", { type: ctx.typeName, clinician: ctx.clinicianName }),
    description: t("calendarDescription", { link: ctx.link }),
    url: ctx.link,
    alarm: t("alarm", { clinician: ctx.clinicianName }),
  };
}

/** For "add to Google / Outlook" links. */
export function calendarLinkInput(ctx: MessageContext): CalendarLinkInput {
  const { t } = translator(ctx.locale);
  return {
    title: t("calendarTitle", { type: ctx.typeName, clinician: ctx.clinicianName }),
    details: t("calendarDescription", { link: ctx.link }),
    startsAt: ctx.startsAt,
    endsAt: ctx.endsAt,
  };
}

export function renderEmail(template: Template, ctx: MessageContext): RenderedEmail {
  const { locale, t } = translator(ctx.locale);
  const when = whenLong(ctx, locale);
  const phone = phoneOrNone(ctx.clinic.phone, true);
  const cancelled = template === "CANCELLED";
  const paragraphs: { text: string; strong?: boolean }[] = [
    {
      text: `${t("greeting", { name: ctx.firstName })} ${t(`lead.${template}`, { type: ctx.typeName, clinician: ctx.clinicianName })}`,
    },
    { text: t("when", { when }), strong: true },
    { text: t("zone", { zone: zoneLabel(ctx.startsAt, ctx.zone, locale) }) },
  ];
  if (template === "RESCHEDULED" && ctx.movedFrom)
    paragraphs.push({
      text: t("movedFrom", {
        when: formatDateTimeRange(
          ctx.movedFrom,
          new Date(ctx.movedFrom.getTime() + (ctx.endsAt.getTime() - ctx.startsAt.getTime())),
          ctx.zone,
          locale,
        ),
      }),
    });
  if (cancelled) paragraphs.push({ text: t("bookAgain", { clinic: ctx.clinic.name, phone }) });
  else paragraphs.push({ text: t("join") });

  const calendar = calendarLinkInput(ctx);
  const links = cancelled
    ? [{ href: ctx.link, label: t("openPage") }]
    : [
        { href: ctx.link, label: t("openPage") },
        { href: googleCalendarUrl(calendar), label: t("addToGoogle") },
        { href: outlookCalendarUrl(calendar), label: t("addToOutlook") },
      ];
  const closing = [...(cancelled ? [] : [t("calendar")]), t("questions", { clinic: ctx.clinic.name, phone })];
  const footer = t("automatic", { clinic: ctx.clinic.name });
  const subject = t(`subject.${template}`, { when });

  const html = [
    `<!doctype html><html lang="${locale}"><body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1b1b1b">`,
    ...paragraphs.map((p) => `<p>${p.strong ? `<strong>${escapeHtml(p.text)}</strong>` : escapeHtml(p.text)}</p>`),
    `<p>${links
      .map(
        (l, i) =>
          `<a href="${escapeHtml(l.href)}" style="${i === 0 ? "display:inline-block;background:#0f5f8c;color:#ffffff;padding:10px 16px;border-radius:6px;text-decoration:none;font-weight:bold" : "color:#0f5f8c"}">${escapeHtml(l.label)}</a>`,
      )
      .join("<br>")}</p>`,
    `<p>${escapeHtml(t("link", { link: ctx.link }))}</p>`,
    ...closing.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<p>${escapeHtml(ctx.clinic.name)}</p>`,
    `<p style="color:#555555;font-size:13px">${escapeHtml(footer)}</p>`,
    `</body></html>`,
  ].join("\n");
  const text = [
    ...paragraphs.map((p) => p.text),
    t("link", { link: ctx.link }),
    ...closing,
    ctx.clinic.name,
    footer,
  ].join("\n\n");
  return { subject, html, text };
}
