import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getTranslations } from "next-intl/server";
import { AvailabilityEditor } from "@/components/availability/availability-editor";
import { getAvailabilityEditorData } from "@/lib/availability/data";
import { canEditAvailability } from "@/lib/availability/schema";
import { requireViewerPage } from "@/lib/auth/session";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("availability");
  return { title: t("title") };
}

type Props = { params: Promise<{ clinicianId: string }> };

// A clinician may open only their own id; an admin any clinician's. Everything else is a 404, so the
// page does not tell anyone which ids exist.
export default async function ClinicianAvailabilityPage({ params }: Props) {
  await connection();
  const viewer = await requireViewerPage(["CLINICIAN", "ADMIN"]);
  const { clinicianId } = await params;
  if (!canEditAvailability(viewer, clinicianId)) notFound();
  const now = new Date();
  const data = await getAvailabilityEditorData(clinicianId, now);
  if (!data) notFound();
  const t = await getTranslations("availability");
  const own = viewer.id === data.clinician.id;

  return (
    <main id="main" className="mx-auto max-w-5xl p-4">
      {viewer.role === "ADMIN" && (
        <Link href="/availability" className="text-sm text-brand-700 underline hover:text-brand-900">
          {t("picker.back")}
        </Link>
      )}
      <h1 className="mt-2 text-2xl font-bold tracking-tight sm:text-3xl">
        {own ? t("ownTitle") : t("clinicianTitle", { name: data.clinician.name })}
      </h1>
      <AvailabilityEditor data={data} now={now} />
    </main>
  );
}
