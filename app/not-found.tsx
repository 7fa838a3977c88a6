import { getTranslations } from "next-intl/server";

export default async function NotFound() {
  const t = await getTranslations("notFound");
  return (
    <main id="main" className="mx-auto max-w-md p-6">
      <h1 className="text-2xl font-bold">{t("title")}</h1>
      <p className="mt-2 text-slate-700">{t("body")}</p>
      {/* A plain link: this page can be shown under any route, including the patient page, and next/link
          would add a client component (and its JavaScript) to every one of them. */}
      {/* eslint-disable-next-line @next/next/no-html-link-for-pages -- see above */}
      <a href="/" className="mt-4 inline-block text-brand-700 underline">
        {t("home")}
      </a>
    </main>
  );
}
