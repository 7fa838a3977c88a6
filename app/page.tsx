import { getTranslations } from "next-intl/server";
import { LanguageSwitcher } from "@/components/language-switcher";
import { signInWithMicrosoft } from "@/lib/auth/actions";

const featureKeys = ["booking", "meetings", "calls", "reminders"] as const;

// Auth.js sends a refused or failed sign-in back here with `?error=<type>` (pages.error in lib/auth);
// each reads as a sentence, never as the raw type.
function signInError(error: unknown): "accountDisabled" | "accessDenied" | "signInFailed" | null {
  if (typeof error !== "string" || !error) return null;
  if (error === "AccountDisabled") return "accountDisabled";
  if (error === "AccessDenied") return "accessDenied";
  return "signInFailed";
}

export default async function LandingPage({ searchParams }: { searchParams: Promise<{ error?: string | string[] }> }) {
  const t = await getTranslations("landing");
  const app = await getTranslations("app");
  const error = signInError((await searchParams).error);
  return (
    <div className="mx-auto flex min-h-screen max-w-3xl flex-col px-4 py-6 sm:px-6">
      <header className="flex flex-wrap items-center justify-between gap-4">
        <p className="text-lg font-semibold text-brand-900">{app("name")}</p>
        <LanguageSwitcher />
      </header>
      <main id="main" className="flex flex-1 flex-col justify-center py-12">
        <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">{t("title")}</h1>
        <p className="mt-4 text-lg text-slate-700">{t("lead")}</p>
        {error && (
          <p role="alert" className="mt-6 rounded-md border border-red-300 bg-red-50 p-3 text-red-900">
            {t(`errors.${error}`)}
          </p>
        )}
        <form action={signInWithMicrosoft} className="mt-8">
          <button
            type="submit"
            className="rounded-md bg-brand-700 px-5 py-3 text-base font-semibold text-white shadow hover:bg-brand-900"
          >
            {t("signIn")}
          </button>
        </form>
        <p className="mt-3 text-sm text-slate-600">{t("staffOnly")}</p>
        <ul className="mt-10 grid gap-3 sm:grid-cols-2">
          {featureKeys.map((key) => (
            <li key={key} className="rounded-lg border border-slate-200 bg-white p-4 text-slate-700">
              {t(`features.${key}`)}
            </li>
          ))}
        </ul>
      </main>
    </div>
  );
}
