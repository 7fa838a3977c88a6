"use client";

// The page for anything that fails while a page renders (the database away, a bug): a kind, translated
// message and a way to try again — never the error's message or stack (in production Next passes only a
// digest to the browser, and this page does not show even that). The session read's "cannot read
// sessions" error carries a known digest and reads as "briefly unavailable" rather than as a failure.
// The root layout hands this page its messages (`errorPage`), so it speaks the visitor's language.
import { useTranslations } from "next-intl";
import { UNAVAILABLE_DIGEST } from "@/lib/error-digests";

function digestOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("digest" in error)) return undefined;
  return typeof error.digest === "string" ? error.digest : undefined;
}

export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  const t = useTranslations("errorPage");
  const unavailable = digestOf(error) === UNAVAILABLE_DIGEST;
  return (
    <main id="main" className="mx-auto max-w-md p-6">
      <h1 className="text-2xl font-bold">{unavailable ? t("unavailableTitle") : t("title")}</h1>
      <p className="mt-2 text-slate-700">{unavailable ? t("unavailableBody") : t("body")}</p>
      <div className="mt-6 flex flex-wrap items-center gap-4">
        <button
          type="button"
          onClick={() => retry()}
          className="rounded-md bg-brand-700 px-5 py-2.5 font-semibold text-white shadow hover:bg-brand-900"
        >
          {t("retry")}
        </button>
        {/* a plain link, as on the not-found page: this page can stand in for any route */}
        {/* eslint-disable-next-line @next/next/no-html-link-for-pages -- see above */}
        <a href="/" className="text-brand-700 underline">
          {t("home")}
        </a>
      </div>
    </main>
  );
}
