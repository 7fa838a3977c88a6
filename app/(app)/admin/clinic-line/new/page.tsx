import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { getTranslations } from "next-intl/server";
import { RuleForm } from "@/components/admin/rule-form";
import { requireViewerPage } from "@/lib/auth/session";
import { rulesPageData } from "@/lib/clinic-line/views";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("lineAdmin");
  return { title: t("newTitle") };
}

export default async function NewClinicLineRulePage() {
  await connection();
  await requireViewerPage(["ADMIN"]);
  const t = await getTranslations("lineAdmin");
  const { rules, users } = await rulesPageData(t("reception"));
  // a new rule goes last unless the admin says otherwise
  const priority = rules.length ? Math.max(...rules.map((r) => r.priority)) + 10 : 10;
  return (
    <main id="main" className="mx-auto max-w-4xl p-4">
      <Link href="/admin/clinic-line" className="text-sm text-brand-700 underline hover:text-brand-900">
        {t("back")}
      </Link>
      <h1 className="mt-2 text-2xl font-bold tracking-tight sm:text-3xl">{t("newTitle")}</h1>
      <div className="mt-6 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">
        <RuleForm
          mode="create"
          users={users}
          initial={{
            label: "",
            kind: "BLOCK",
            caller: "",
            weekdays: [],
            start: "",
            end: "",
            targetKind: "user",
            targetUser: "",
            targetPhone: "",
            priority: String(Math.min(priority, 100_000)),
            active: true,
            confirmRejectAll: false,
          }}
        />
      </div>
    </main>
  );
}
