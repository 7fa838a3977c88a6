"use client";

// The last resort, when the root layout itself failed: it replaces the whole document, so it has none
// of the app's providers and no message catalogue (importing messages/*.json here would put both
// catalogues in every page's bundle). Its few sentences are below in both languages. The language is
// the default one on the server (nothing there can be trusted to be readable) and the browser's
// preference in the browser; nothing about the error itself is shown.
import { useSyncExternalStore } from "react";
import { defaultLocale, localeFromAcceptLanguage, type Locale } from "@/lib/i18n/locales";
import "./globals.css";

const text: Record<Locale, { title: string; body: string; retry: string }> = {
  "pt-BR": {
    title: "Algo deu errado",
    body: "Não foi possível mostrar esta página. Tente novamente em instantes.",
    retry: "Tentar novamente",
  },
  en: {
    title: "Something went wrong",
    body: "This page could not be shown. Please try again in a moment.",
    retry: "Try again",
  },
};

const noSubscription = () => () => {};
const browserLocale = () => localeFromAcceptLanguage(navigator.languages.join(","));
const serverLocale = () => defaultLocale;

export default function GlobalError({ retry }: { error: unknown; retry: () => void }) {
  const locale = useSyncExternalStore(noSubscription, browserLocale, serverLocale);
  const t = text[locale];
  return (
    <html lang={locale}>
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        <main id="main" className="mx-auto max-w-md p-6">
          <h1 className="text-2xl font-bold">{t.title}</h1>
          <p className="mt-2 text-slate-700">{t.body}</p>
          <button
            type="button"
            onClick={() => retry()}
            className="mt-6 rounded-md bg-brand-700 px-5 py-2.5 font-semibold text-white shadow hover:bg-brand-900"
          >
            {t.retry}
          </button>
        </main>
      </body>
    </html>
  );
}
