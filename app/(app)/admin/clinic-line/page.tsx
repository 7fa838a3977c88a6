import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { getTranslations } from "next-intl/server";
import { ListTable } from "@/components/list-table";
import { RuleRowActions } from "@/components/admin/rule-row-actions";
import { requireViewerPage } from "@/lib/auth/session";
import { minutesToTime } from "@/lib/clinic-line/schema";
import { rulesPageData } from "@/lib/clinic-line/views";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("lineAdmin");
  return { title: t("title") };
}

// The clinic line's rules in the order they are tried (admins only): the first that matches a call decides.
export default async function ClinicLineRulesPage({ searchParams }: { searchParams: Promise<{ saved?: string }> }) {
  await connection();
  await requireViewerPage(["ADMIN"]);
  const t = await getTranslations("lineAdmin");
  const days = await getTranslations("lineAdmin.weekdays");
  const saved = (await searchParams).saved === "1";
  const { rules } = await rulesPageData(t("reception"));

  return (
    <main id="main" className="mx-auto max-w-6xl p-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{t("title")}</h1>
        <Link
          href="/admin/clinic-line/new"
          className="rounded bg-brand-700 px-3 py-1 font-semibold text-white hover:bg-brand-900"
        >
          {t("new")}
        </Link>
      </div>
      <p className="mt-1 text-slate-700">{t("lead")}</p>
      {saved && (
        <p
          role="status"
          className="mt-3 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-800"
        >
          {t("created")}
        </p>
      )}
      {rules.length === 0 ? (
        <p className="mt-4 text-slate-600">{t("empty")}</p>
      ) : (
        <ListTable
          className="mt-4"
          caption={t("caption")}
          columns={[
            t("columns.order"),
            t("columns.rule"),
            t("columns.caller"),
            t("columns.when"),
            t("columns.action"),
            t("columns.state"),
            { hidden: t("columns.actions") },
          ]}
        >
          {rules.map((rule, index) => {
            const name = rule.label ?? t("unnamed", { n: index + 1 });
            const when = [
              rule.weekdays.length ? rule.weekdays.map((d) => days(String(d))).join(", ") : t("everyDay"),
              rule.startMinute !== null && rule.endMinute !== null
                ? `${minutesToTime(rule.startMinute)}–${minutesToTime(rule.endMinute)}`
                : t("allDay"),
            ].join(" · ");
            return (
              <tr key={rule.id} data-testid="rule-row">
                <td className="px-3 py-2">
                  {index + 1}
                  <span className="block text-xs text-slate-500">{t("priorityShort", { p: rule.priority })}</span>
                </td>
                <td className="px-3 py-2">
                  <Link href={`/admin/clinic-line/${rule.id}`} className="text-brand-700 underline">
                    {name}
                  </Link>
                </td>
                <td className="px-3 py-2">{rule.callerPattern === "*" ? t("anyCaller") : rule.callerPattern}</td>
                <td className="px-3 py-2">{when}</td>
                <td className="px-3 py-2">
                  {rule.kind === "BLOCK"
                    ? t("reject")
                    : t("redirectTo", { target: rule.targetName ?? rule.redirectTarget ?? "—" })}
                </td>
                <td className="px-3 py-2">{rule.active ? t("active") : t("inactive")}</td>
                <td className="px-3 py-2">
                  <RuleRowActions
                    ruleId={rule.id}
                    name={name}
                    active={rule.active}
                    first={index === 0}
                    last={index === rules.length - 1}
                  />
                </td>
              </tr>
            );
          })}
        </ListTable>
      )}
      <p className="mt-3 text-sm text-slate-600">{t("zoneNote")}</p>
    </main>
  );
}
