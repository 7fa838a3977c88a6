import Link from "next/link";
import { getTranslations } from "next-intl/server";

export default async function NotFound() {
  const t = await getTranslations("notFound");
  return (
    <main id="main" className="mx-auto max-w-md p-6">
      <h1 className="text-2xl font-bold">{t("title")}</h1>
      <p className="mt-2 text-slate-700">{t("body")}</p>
      <Link href="/" className="mt-4 inline-block text-brand-700 underline">
        {t("home")}
      </Link>
    </main>
  );
}
