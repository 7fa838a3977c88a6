import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { ListTable } from "@/components/list-table";
import { listTypesForAdmin } from "@/lib/appointment-types/data";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { requireViewerPage } from "@/lib/auth/session";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("appointmentTypes");
  return { title: t("title") };
}

// The clinic's appointment types (admins only): what can be booked, for how long, with which rules.
export default async function AppointmentTypesPage({
  searchParams,
}: {
  searchParams: Promise<{ created?: string | string[]; deleted?: string | string[] }>;
}) {
  await connection();
  await requireViewerPage(["ADMIN"]);
  const t = await getTranslations("appointmentTypes");
  const locale = await getLocale();
  const { created, deleted } = await searchParams;
  const types = await listTypesForAdmin();

  return (
    <main id="main" className="mx-auto max-w-6xl p-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{t("title")}</h1>
        <Link
          href="/admin/appointment-types/new"
          className="rounded bg-brand-700 px-3 py-1 font-semibold text-white hover:bg-brand-900"
        >
          {t("new")}
        </Link>
      </div>
      <p className="mt-1 max-w-3xl text-slate-700">{t("lead")}</p>
      {created && (
        <p
          role="status"
          className="mt-3 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-800"
        >
          {t("created")}
        </p>
      )}
      {deleted && (
        <p
          role="status"
          className="mt-3 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-800"
        >
          {t("deleted")}
        </p>
      )}
      {types.length === 0 ? (
        <p className="mt-4 text-slate-600">{t("empty")}</p>
      ) : (
        <ListTable
          className="mt-4"
          caption={t("caption")}
          columns={[
            t("columns.name"),
            t("columns.duration"),
            t("columns.rules"),
            t("columns.reminder"),
            t("columns.use"),
            t("columns.state"),
          ]}
        >
          {types.map((type) => (
            <tr key={type.id} data-testid="type-row">
              <th scope="row" className="px-3 py-2 font-medium">
                <Link href={`/admin/appointment-types/${type.id}`} className="text-brand-700 underline">
                  {localizedTypeName(type, locale)}
                </Link>
                <span className="block text-xs font-normal text-slate-600">
                  {t("bothNames", { pt: type.name, en: type.nameEn ?? type.name })}
                </span>
              </th>
              <td className="px-3 py-2 whitespace-nowrap">
                {t("durationValue", {
                  minutes: type.durationMinutes,
                  before: type.bufferBeforeMinutes,
                  after: type.bufferAfterMinutes,
                })}
              </td>
              <td className="px-3 py-2">
                {t("rulesValue", {
                  notice: type.minimumNoticeMinutes,
                  days: type.bookingHorizonDays,
                  cap: type.maxPerDay === null ? "none" : String(type.maxPerDay),
                })}
              </td>
              <td className="px-3 py-2">
                {type.reminderLeadMinutes === null
                  ? t("noReminder")
                  : t("reminderValue", { hours: Math.round(type.reminderLeadMinutes / 60) })}
              </td>
              <td className="px-3 py-2">
                {t("useValue", { appointments: type.appointmentCount, clinicians: type.clinicianCount })}
              </td>
              <td className="px-3 py-2">{type.active ? t("active") : t("retired")}</td>
            </tr>
          ))}
        </ListTable>
      )}
    </main>
  );
}
