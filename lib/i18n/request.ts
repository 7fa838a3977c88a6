import "server-only";
import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { isLocale, localeCookie, localeFromAcceptLanguage, type Locale } from "./locales";

// No locale in the URL: staff pick a language (cookie), everyone else gets their browser's.
export async function resolveLocale(): Promise<Locale> {
  const chosen = (await cookies()).get(localeCookie)?.value;
  if (isLocale(chosen)) return chosen;
  return localeFromAcceptLanguage((await headers()).get("accept-language"));
}

// A page may ask for a specific locale (the patient page speaks the patient's language, whatever
// the phone's settings); otherwise the viewer's choice or browser decides.
export default getRequestConfig(async ({ locale: requested }) => {
  const locale = isLocale(requested) ? requested : await resolveLocale();
  const messages = (await import(`../../messages/${locale}.json`)).default;
  return { locale, messages, timeZone: "UTC" };
});
