import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { signOutEverywhere } from "@/lib/auth/actions";
import type { Viewer } from "@/lib/auth/session";
import { LanguageSwitcher } from "./language-switcher";
import { WaitingAlert } from "./waiting-room/waiting-alert";

const links = [
  { href: "/appointments", key: "appointments", roles: ["CLINICIAN", "STAFF", "ADMIN"] },
  { href: "/appointments/new", key: "book", roles: ["CLINICIAN", "STAFF", "ADMIN"] },
  { href: "/patients", key: "patients", roles: ["CLINICIAN", "STAFF", "ADMIN"] },
  { href: "/meetings", key: "meetings", roles: ["CLINICIAN", "STAFF", "ADMIN"] },
  { href: "/availability", key: "availability", roles: ["CLINICIAN", "ADMIN"] },
  { href: "/calls", key: "calls", roles: ["STAFF", "ADMIN"] },
  { href: "/admin/clinic-line", key: "clinicLine", roles: ["ADMIN"] },
  { href: "/admin/prompts", key: "prompts", roles: ["ADMIN"] },
  { href: "/admin/audit", key: "audit", roles: ["ADMIN"] },
  { href: "/admin/dashboard", key: "dashboard", roles: ["ADMIN"] },
] as const;

export async function AppShell({ viewer, children }: { viewer: Viewer; children: React.ReactNode }) {
  const t = await getTranslations("nav");
  const app = await getTranslations("app");
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        {/* wider than the pages: an admin's ten links and name fit on one line at 1440 px in Portuguese
            too; a label never breaks inside, a long name is cut short (its full text in the title) */}
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/appointments" className="text-lg font-semibold text-brand-900">
            {app("name")}
          </Link>
          <nav aria-label={t("label")} className="flex flex-1 flex-wrap gap-x-3 gap-y-1 text-sm">
            {links
              .filter((link) => (link.roles as readonly string[]).includes(viewer.role))
              .map((link) => (
                <Link
                  key={link.href}
                  href={link.href}
                  className="whitespace-nowrap text-slate-700 hover:text-brand-700 hover:underline"
                >
                  {t(link.key)}
                </Link>
              ))}
          </nav>
          <div className="flex items-center gap-3 text-sm">
            <span
              className="max-w-[14rem] truncate text-slate-600"
              title={`${viewer.name} · ${t(`roles.${viewer.role}`)}`}
            >
              {viewer.name} · {t(`roles.${viewer.role}`)}
            </span>
            <form action={signOutEverywhere}>
              <button type="submit" className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-100">
                {t("signOut")}
              </button>
            </form>
          </div>
        </div>
      </header>
      {/* a clinician's next patient waiting in the Teams lobby, on every page (issue 19) */}
      {viewer.role === "CLINICIAN" && <WaitingAlert zone={viewer.timeZone} />}
      {children}
      <footer className="mx-auto max-w-6xl px-4 py-6">
        <LanguageSwitcher />
      </footer>
    </div>
  );
}
