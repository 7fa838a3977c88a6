// The frame of every patient-link page: the clinic's name, a language switch and the clinic's contact.
// Server-rendered only (no client JavaScript), phone-sized first; the language is a plain link (?lang=),
// so it works on any phone and is carried through the cancel steps.
import type { ReactNode } from "react";
import { getTranslations } from "next-intl/server";
import type { ClinicContact } from "@/lib/clinic-contact";
import { locales, type Locale } from "@/lib/i18n/locales";
import { formatPhone } from "@/lib/patients/schema";

export function withLang(path: string, lang: Locale | null, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ ...(lang ? { lang } : {}), ...extra }).toString();
  return query ? `${path}?${query}` : path;
}

export async function PatientFrame({
  locale,
  clinic,
  path,
  children,
}: {
  locale: Locale;
  clinic: ClinicContact;
  /** this page's path, for the language links */
  path: string;
  children: ReactNode;
}) {
  const t = await getTranslations({ locale, namespace: "join" });
  return (
    <main id="main" lang={locale} className="mx-auto min-h-screen max-w-md px-4 pb-10 pt-4">
      <header className="flex items-center justify-between gap-3 border-b border-slate-200 pb-3">
        <p className="text-base font-semibold text-brand-900">{clinic.name}</p>
        <nav aria-label={t("languageLabel")} className="flex gap-2 text-sm">
          {locales.map((option) =>
            option === locale ? (
              <span key={option} aria-current="true" className="rounded px-2 py-1 font-semibold text-slate-900">
                {t(`languages.${option}`)}
              </span>
            ) : (
              <a
                key={option}
                href={withLang(path, option)}
                hrefLang={option}
                lang={option}
                className="rounded px-2 py-1 text-brand-700 underline"
              >
                {t(`languages.${option}`)}
              </a>
            ),
          )}
        </nav>
      </header>
      {children}
      <footer aria-labelledby="clinic-contact" className="mt-8 rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="clinic-contact" className="text-base font-semibold">
          {t("contactTitle", { clinic: clinic.name })}
        </h2>
        <ul className="mt-2 space-y-2">
          {clinic.phone && (
            <li>
              <a href={`tel:${clinic.phone}`} className="text-lg text-brand-700 underline">
                {t("call", { phone: formatPhone(clinic.phone) })}
              </a>
            </li>
          )}
          {clinic.email && (
            <li>
              <a href={`mailto:${clinic.email}`} className="break-all text-brand-700 underline">
                {clinic.email}
              </a>
            </li>
          )}
        </ul>
      </footer>
    </main>
  );
}
