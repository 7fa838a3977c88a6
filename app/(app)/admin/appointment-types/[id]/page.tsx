import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { TypeForm } from "@/components/appointment-types/type-form";
import { TypeStatusForm } from "@/components/appointment-types/type-status";
import { getType } from "@/lib/appointment-types/data";
import { formValuesOf, localizedTypeName } from "@/lib/appointment-types/schema";
import { requireViewerPage } from "@/lib/auth/session";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("appointmentTypes");
  return { title: t("editTitle") };
}

export default async function AppointmentTypePage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  await requireViewerPage(["ADMIN"]);
  const type = await getType((await params).id);
  if (!type) notFound();
  const t = await getTranslations("appointmentTypes");
  const locale = await getLocale();

  return (
    <main id="main" className="mx-auto max-w-4xl p-4">
      <Link href="/admin/appointment-types" className="text-sm text-brand-700 underline hover:text-brand-900">
        {t("back")}
      </Link>
      <h1 className="mt-2 text-2xl font-bold tracking-tight sm:text-3xl">{localizedTypeName(type, locale)}</h1>
      <p className="mt-1 text-slate-700">
        {type.active ? t("active") : t("retired")} ·{" "}
        {t("useValue", { appointments: type.appointmentCount, clinicians: type.clinicianCount })}
      </p>
      <section aria-labelledby="type-edit" className="mt-6">
        <h2 id="type-edit" className="text-lg font-semibold">
          {t("editTitle")}
        </h2>
        <div className="mt-2 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">
          <TypeForm
            mode="update"
            typeId={type.id}
            updatedAt={type.updatedAt.toISOString()}
            initial={formValuesOf(type)}
          />
        </div>
      </section>
      <section aria-labelledby="type-status" className="mt-8">
        <h2 id="type-status" className="text-lg font-semibold">
          {t("status.title")}
        </h2>
        <p className="mt-1 max-w-3xl text-sm text-slate-700">{t("status.lead")}</p>
        <TypeStatusForm typeId={type.id} active={type.active} inUse={type.appointmentCount > 0} />
      </section>
    </main>
  );
}
