import { getLocale, getTranslations } from "next-intl/server";
import { changeLocale } from "@/lib/i18n/actions";
import { locales } from "@/lib/i18n/locales";

// A plain form so it works without JavaScript; the server action sets the locale cookie.
export async function LanguageSwitcher() {
  const t = await getTranslations("language");
  const current = await getLocale();
  return (
    <form action={changeLocale} className="flex items-center gap-2 text-sm">
      <label htmlFor="locale" className="text-slate-600">
        {t("label")}
      </label>
      <select
        id="locale"
        name="locale"
        defaultValue={current}
        className="rounded border border-slate-300 bg-white px-2 py-1"
      >
        {locales.map((locale) => (
          <option key={locale} value={locale}>
            {t(locale)}
          </option>
        ))}
      </select>
      <button type="submit" className="rounded border border-slate-300 bg-white px-2 py-1 hover:bg-slate-100">
        {t("change")}
      </button>
    </form>
  );
}
