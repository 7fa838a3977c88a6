import type { Metadata } from "next";
import { connection } from "next/server";
import { getTranslations } from "next-intl/server";
import { PromptForm } from "@/components/admin/prompt-form";
import { requireViewerPage } from "@/lib/auth/session";
import { APPOINTMENT_PLACEHOLDER } from "@/lib/prompts/texts";
import { promptAdminView } from "@/lib/prompts/views";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("promptAdmin");
  return { title: t("title") };
}

// What the phone calls say (reminders, the clinic line), per prompt and language. Admins only.
export default async function PromptsPage() {
  await connection();
  await requireViewerPage(["ADMIN"]);
  const t = await getTranslations("promptAdmin");
  const prompts = await promptAdminView();
  const keys = [...new Set(prompts.map((p) => p.key))];
  return (
    <main id="main" className="mx-auto max-w-5xl p-4">
      <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{t("title")}</h1>
      <p className="mt-1 text-slate-700">{t("lead", { placeholder: APPOINTMENT_PLACEHOLDER })}</p>
      <div className="mt-6 flex flex-col gap-6">
        {keys.map((key) => (
          <section
            key={key}
            aria-labelledby={`prompt-${key}`}
            className="rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
          >
            <h2 id={`prompt-${key}`} className="text-lg font-semibold">
              {t(`keys.${key}`)}
            </h2>
            <p className="mb-3 text-sm text-slate-600">{t(`hints.${key}`)}</p>
            <div className="grid gap-6 md:grid-cols-2">
              {prompts
                .filter((p) => p.key === key)
                .map((p) => (
                  <PromptForm
                    key={p.locale}
                    locale={p.locale}
                    promptKey={p.key}
                    text={p.text}
                    defaultText={p.defaultText}
                    version={p.version}
                    updatedAt={p.updatedAt?.toISOString() ?? ""}
                    updatedByName={p.updatedByName}
                  />
                ))}
            </div>
          </section>
        ))}
      </div>
    </main>
  );
}
