import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { connection } from "next/server";
import { getTranslations } from "next-intl/server";
import { AvailabilityEditor } from "@/components/availability/availability-editor";
import { getAvailabilityEditorData, listClinicians } from "@/lib/availability/data";
import { clinicianIdSchema } from "@/lib/availability/schema";
import { requireViewerPage } from "@/lib/auth/session";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("availability");
  return { title: t("title") };
}

// Clinicians edit their own hours here; admins pick a clinician. Staff book against availability but
// do not set it, so for them (as for anyone else) this page does not exist.
export default async function AvailabilityPage({
  searchParams,
}: {
  searchParams: Promise<{ clinician?: string | string[] }>;
}) {
  await connection();
  const viewer = await requireViewerPage(["CLINICIAN", "ADMIN"]);
  const t = await getTranslations("availability");

  if (viewer.role === "CLINICIAN") {
    const now = new Date();
    const data = await getAvailabilityEditorData(viewer.id, now);
    if (!data) notFound();
    return (
      <main id="main" className="mx-auto max-w-5xl p-4">
        <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{t("ownTitle")}</h1>
        <AvailabilityEditor data={data} now={now} />
      </main>
    );
  }

  // The picker is a plain GET form, so it works before any JavaScript loads.
  const { clinician } = await searchParams;
  const chosen = Array.isArray(clinician) ? clinician[0] : clinician;
  if (chosen && clinicianIdSchema.safeParse(chosen).success) redirect(`/availability/${chosen}`);
  const clinicians = await listClinicians();

  return (
    <main id="main" className="mx-auto max-w-5xl p-4">
      <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{t("title")}</h1>
      <p className="mt-1 text-slate-700">{t("picker.lead")}</p>
      <p className="mt-2">
        <Link href="/admin/appointment-types" className="text-brand-700 underline hover:text-brand-900">
          {t("picker.types")}
        </Link>
      </p>
      {clinicians.length === 0 ? (
        <p className="mt-6 rounded-lg border border-slate-200 bg-white p-4 text-slate-700">{t("picker.none")}</p>
      ) : (
        <>
          <form action="/availability" method="get" className="mt-6 flex flex-col gap-1">
            <label htmlFor="availability-clinician" className="text-sm font-medium text-slate-800">
              {t("picker.label")}
            </label>
            <div className="flex flex-col gap-2 sm:flex-row">
              <select
                id="availability-clinician"
                name="clinician"
                className="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 text-base"
              >
                {clinicians.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
              <button
                type="submit"
                className="rounded-md bg-brand-700 px-5 py-2 text-base font-semibold text-white shadow hover:bg-brand-900"
              >
                {t("picker.submit")}
              </button>
            </div>
          </form>
          <ul className="mt-6 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
            {clinicians.map((c) => (
              <li key={c.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-2">
                <Link
                  href={`/availability/${c.id}`}
                  className="font-medium text-brand-700 underline hover:text-brand-900"
                >
                  {c.name}
                </Link>
                <span className="text-sm text-slate-600">{c.timeZone.replace(/_/g, " ")}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </main>
  );
}
