import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getTranslations } from "next-intl/server";
import { z } from "zod";
import { RuleForm } from "@/components/admin/rule-form";
import { requireViewerPage } from "@/lib/auth/session";
import { minutesToTime } from "@/lib/clinic-line/schema";
import { ruleEditData } from "@/lib/clinic-line/views";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("lineAdmin");
  return { title: t("editTitle") };
}

export default async function EditClinicLineRulePage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  await requireViewerPage(["ADMIN"]);
  const parsed = z.uuid().safeParse((await params).id);
  if (!parsed.success) notFound();
  const t = await getTranslations("lineAdmin");
  const { rule, users } = await ruleEditData(parsed.data, t("reception"));
  if (!rule) notFound();
  const phoneTarget = rule.redirectTarget?.startsWith("+") ?? false;
  return (
    <main id="main" className="mx-auto max-w-4xl p-4">
      <Link href="/admin/clinic-line" className="text-sm text-brand-700 underline hover:text-brand-900">
        {t("back")}
      </Link>
      <h1 className="mt-2 text-2xl font-bold tracking-tight sm:text-3xl">{t("editTitle")}</h1>
      <div className="mt-6 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">
        <RuleForm
          mode="update"
          ruleId={rule.id}
          updatedAt={rule.updatedAt.toISOString()}
          users={users}
          initial={{
            label: rule.label ?? "",
            kind: rule.kind,
            caller: rule.callerPattern === "*" ? "" : rule.callerPattern,
            weekdays: rule.weekdays.map(String),
            start: minutesToTime(rule.startMinute),
            end: minutesToTime(rule.endMinute),
            targetKind: phoneTarget ? "phone" : "user",
            targetUser: !phoneTarget && rule.redirectTarget ? rule.redirectTarget.toLowerCase() : "",
            targetPhone: phoneTarget ? (rule.redirectTarget ?? "") : "",
            priority: String(rule.priority),
            active: rule.active,
            confirmRejectAll: false,
          }}
        />
      </div>
    </main>
  );
}
