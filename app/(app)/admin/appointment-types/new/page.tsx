import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { TypeForm } from "@/components/appointment-types/type-form";
import { requireViewerPage } from "@/lib/auth/session";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("appointmentTypes");
  return { title: t("newTitle") };
}

export default async function NewAppointmentTypePage() {
  await requireViewerPage(["ADMIN"]);
  const t = await getTranslations("appointmentTypes");
  return (
    <main id="main" className="mx-auto max-w-4xl p-4">
      <Link href="/admin/appointment-types" className="text-sm text-brand-700 underline hover:text-brand-900">
        {t("back")}
      </Link>
      <h1 className="mt-2 text-2xl font-bold tracking-tight sm:text-3xl">{t("newTitle")}</h1>
      <div className="mt-6 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">
        <TypeForm
          mode="create"
          initial={{
            name: "",
            nameEn: "",
            durationMinutes: "30",
            bufferBeforeMinutes: "0",
            bufferAfterMinutes: "0",
            minimumNoticeMinutes: "60",
            bookingHorizonDays: "60",
            maxPerDay: "",
            cancellationCutoffMinutes: "120",
            reminderCall: "yes",
            reminderLeadHours: "24",
            rescueAfterMinutes: "",
          }}
        />
      </div>
    </main>
  );
}
