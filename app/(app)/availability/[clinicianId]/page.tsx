import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getTranslations } from "next-intl/server";
import { AvailabilityEditor } from "@/components/availability/availability-editor";
import { OutlookStatus } from "@/components/availability/outlook-status";
import { getAvailabilityEditorData } from "@/lib/availability/data";
import { canEditAvailability } from "@/lib/availability/access";
import { requireViewerPage } from "@/lib/auth/session";
import { outlookWeekForViewer } from "@/lib/outlook/views";
import { localDayBounds } from "@/lib/scheduling";

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
  // the preview's days, with the busy times the clinician's Outlook adds to them
  const previewEnd = data.preview.at(-1);
  const outlook = await outlookWeekForViewer(viewer, data.clinician.id, {
    from: data.preview[0]?.start ?? now,
    to: previewEnd ? localDayBounds(previewEnd.date, data.clinician.timeZone).end : now,
  });

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
      <OutlookStatus outlook={outlook} zone={data.clinician.timeZone} />
      <AvailabilityEditor data={data} now={now} outlook={outlook} />
    </main>
  );
}
