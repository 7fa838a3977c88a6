import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { AuditFilters, type AuditFilterValues } from "@/components/audit/audit-filters";
import { AuditTable } from "@/components/audit/audit-table";
import type { AuditSearch } from "@/lib/audit/schema";
import { auditSearchForViewer } from "@/lib/audit/views";
import { requireViewerPage } from "@/lib/auth/session";
import { zoneLabel } from "@/lib/format";

type Params = Record<string, string | string[] | undefined>;

const filterKeys = ["actor", "action", "subject", "from", "to"] as const;

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("audit");
  return { title: t("title") };
}

// The audit search, for admins only (anyone else gets the same 404 as for a page that does not exist).
export default async function AuditPage({ searchParams }: { searchParams: Promise<Params> }) {
  await connection();
  const viewer = await requireViewerPage(["ADMIN"]);
  const locale = await getLocale();
  const raw = await searchParams;
  const found = await auditSearchForViewer(viewer, raw);
  if (!found) notFound();
  const t = await getTranslations("audit");
  const text = (value: string | string[] | undefined) => (typeof value === "string" ? value : "");
  const values: AuditFilterValues = {
    actor: text(raw.actor),
    action: text(raw.action),
    subject: text(raw.subject),
    from: text(raw.from),
    to: text(raw.to),
  };
  const errors = Object.fromEntries(
    Object.entries(found.errors).map(([field, key]) => [field, t(`errors.${key}`)]),
  ) as Partial<Record<string, string>>;

  // links keep the search as parsed; paging adds the cursor, filtering from a row starts a new search
  const current: Partial<AuditSearch> = found.search ?? {};
  const hrefWith = (changes: Record<string, string | undefined>) => {
    const query = new URLSearchParams();
    for (const key of filterKeys) {
      const value = key in changes ? changes[key] : current[key];
      if (value) query.set(key, value);
    }
    if (changes.cursor) query.set("cursor", changes.cursor);
    const qs = query.toString();
    return qs ? `/admin/audit?${qs}` : "/admin/audit";
  };

  return (
    <main id="main" className="mx-auto max-w-7xl p-4">
      <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{t("title")}</h1>
      <p className="mt-1 text-slate-700">{t("lead")}</p>
      <p className="mt-1 text-sm text-slate-600">
        {t("zone", { zone: zoneLabel(new Date(), viewer.timeZone, locale) })}
      </p>
      <div className="mt-6">
        <AuditFilters values={values} actors={found.actors} errors={errors} />
      </div>
      {Object.keys(errors).length > 0 && (
        <div role="alert" className="mt-6 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-red-800">
          <p className="font-semibold">{t("errors.title")}</p>
          <ul className="mt-1 list-disc pl-5">
            {Object.entries(errors).map(([field, message]) => (
              <li key={field}>{message}</li>
            ))}
          </ul>
        </div>
      )}
      {found.page && (
        <section aria-labelledby="audit-results" className="mt-6">
          <h2 id="audit-results" className="sr-only">
            {t("table.caption")}
          </h2>
          {found.page.entries.length === 0 ? (
            <p className="text-slate-700">{t("empty")}</p>
          ) : (
            <AuditTable
              entries={found.page.entries}
              zone={viewer.timeZone}
              filterHref={(key, value) => hrefWith({ [key]: value })}
            />
          )}
          {(found.page.next || current.cursor) && (
            <nav aria-label={t("pagination")} className="mt-4 flex gap-4">
              {current.cursor && (
                <Link href={hrefWith({})} className="text-brand-700 underline hover:text-brand-900">
                  {t("newest")}
                </Link>
              )}
              {found.page.next && (
                <Link
                  href={hrefWith({ cursor: found.page.next })}
                  className="text-brand-700 underline hover:text-brand-900"
                >
                  {t("older")}
                </Link>
              )}
            </nav>
          )}
        </section>
      )}
    </main>
  );
}
