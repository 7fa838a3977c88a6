import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { ListTable } from "@/components/list-table";
import { requireViewerPage, STAFF_ROLES } from "@/lib/auth/session";
import { callLogForViewer } from "@/lib/calls/views";
import { formatDateTime, zoneLabel } from "@/lib/format";

// The call log (staff and admins; anyone else gets a 404, the same as lib/calls/views.ts): every call
// the bot placed or took, newest first, with names or masked numbers only. Clinicians follow the bot in
// their own appointments' meetings on the appointment page.
export default async function CallLogPage() {
  await connection();
  const viewer = await requireViewerPage(STAFF_ROLES);
  const locale = await getLocale();
  const calls = await callLogForViewer(viewer);
  if (!calls) notFound();
  const t = await getTranslations("calls.log");
  const panel = await getTranslations("calls.panel");
  const when = (d: Date | null) => (d ? formatDateTime(d, viewer.timeZone, locale) : "—");
  const label = (group: "direction" | "purpose" | "outcome", key: string) =>
    t.has(`${group}.${key}`) ? t(`${group}.${key}`) : key;

  return (
    <main id="main" className="mx-auto max-w-6xl p-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold">{t("title")}</h1>
        <Link
          href="/calls/group"
          className="rounded bg-brand-700 px-3 py-1 font-semibold text-white hover:bg-brand-900"
        >
          {t("newGroupCall")}
        </Link>
      </div>
      <p className="mt-1 text-sm text-slate-600">
        {t("zone", { zone: zoneLabel(new Date(), viewer.timeZone, locale) })}
      </p>
      {calls.length === 0 ? (
        <p className="mt-4 text-slate-600">{t("empty")}</p>
      ) : (
        <ListTable
          className="mt-4"
          caption={t("caption")}
          columns={[
            t("started"),
            t("ended"),
            t("directionLabel"),
            t("purposeLabel"),
            t("parties"),
            t("state"),
            t("outcomeLabel"),
            { hidden: t("links") },
          ]}
        >
          {calls.map((c) => (
            <tr key={c.id} data-testid="call-row">
              <td className="px-3 py-2">{when(c.establishedAt ?? c.createdAt)}</td>
              <td className="px-3 py-2">{when(c.endedAt)}</td>
              <td className="px-3 py-2">{label("direction", c.direction)}</td>
              <td className="px-3 py-2">{label("purpose", c.purpose)}</td>
              <td className="px-3 py-2">
                {c.parties.length ? c.parties.join(", ") : "—"}
                {c.initiatedBy && (
                  <span className="block text-xs text-slate-600">{t("by", { name: c.initiatedBy })}</span>
                )}
              </td>
              <td className="px-3 py-2">{panel.has(`state.${c.state}`) ? panel(`state.${c.state}`) : c.state}</td>
              <td className="px-3 py-2">{c.outcome ? label("outcome", c.outcome) : "—"}</td>
              <td className="px-3 py-2">
                {c.appointmentId && (
                  <Link href={`/appointments/${c.appointmentId}`} className="text-brand-700 underline">
                    {t("appointment")}
                  </Link>
                )}
                {!c.appointmentId && c.purpose === "GROUP_CALL" && c.live && (
                  <Link href={`/calls/group?call=${c.id}`} className="text-brand-700 underline">
                    {t("roster")}
                  </Link>
                )}
              </td>
            </tr>
          ))}
        </ListTable>
      )}
    </main>
  );
}
