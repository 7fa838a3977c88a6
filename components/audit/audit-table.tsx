import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { ListTable } from "@/components/list-table";
import { auditSentences } from "./audit-sentence";
import type { AuditEntry } from "@/lib/audit/data";
import { formatDateTime } from "@/lib/format";

/** Where an entry's subject can be opened; the pages check the admin's access again. */
function subjectHref(entry: AuditEntry): string | null {
  if (!entry.entityId) return null;
  switch (entry.entityType) {
    case "Appointment":
      return `/appointments/${entry.entityId}`;
    case "Patient":
      return `/patients/${entry.entityId}`;
    case "OnlineMeeting":
      return `/meetings/${entry.entityId}`;
    case "User":
      return `/availability/${entry.entityId}`;
    default:
      return null;
  }
}

export async function AuditTable({
  entries,
  zone,
  filterHref,
}: {
  entries: AuditEntry[];
  zone: string;
  /** the current search with one filter replaced */
  filterHref: (key: "actor" | "subject", value: string) => string;
}) {
  const t = await getTranslations("audit");
  const locale = await getLocale();
  // the sentence for people; the code under it is what the action filter takes
  const sentence = await auditSentences(zone, locale);
  const roles = await getTranslations("nav.roles");
  return (
    <ListTable
      caption={t("table.caption")}
      columns={[
        t("table.when"),
        t("table.who"),
        t("table.action"),
        t("table.subject"),
        t("table.from"),
        t("table.details"),
      ]}
    >
      {entries.map((entry) => {
        const who = entry.actor
          ? `${entry.actor.name} (${roles.has(entry.actor.role) ? roles(entry.actor.role as "ADMIN") : entry.actor.role})`
          : entry.actorLabel;
        const href = subjectHref(entry);
        const details = Object.entries(entry.details);
        return (
          <tr key={entry.id} data-testid="audit-row" className="align-top">
            <td className="whitespace-nowrap px-3 py-2">
              <time dateTime={entry.at.toISOString()}>{formatDateTime(entry.at, zone, locale)}</time>
            </td>
            <td className="px-3 py-2">
              {entry.actorId ? (
                <Link
                  href={filterHref("actor", entry.actorId)}
                  className="text-brand-700 underline hover:text-brand-900"
                  aria-label={t("table.filterActor", { name: who })}
                >
                  {who}
                </Link>
              ) : (
                who
              )}
            </td>
            <td className="px-3 py-2">
              <span className="block">{sentence(entry)}</span>
              <span className="block font-mono text-xs text-slate-600">{entry.action}</span>
            </td>
            <td className="px-3 py-2">
              <span className="block">
                {t.has(`entity.${entry.entityType}`)
                  ? t(`entity.${entry.entityType as "Appointment"}`)
                  : entry.entityType}
                {entry.patientName && <> · {entry.patientName}</>}
              </span>
              {entry.entityId && (
                <span className="block font-mono text-xs">
                  <Link
                    href={filterHref("subject", entry.entityId)}
                    className="text-brand-700 underline hover:text-brand-900"
                    aria-label={t("table.filterSubject", { id: entry.entityId })}
                  >
                    {entry.entityId}
                  </Link>
                  {href && (
                    <>
                      {" · "}
                      <Link href={href} className="text-brand-700 underline hover:text-brand-900">
                        {t("table.open")}
                      </Link>
                    </>
                  )}
                </span>
              )}
            </td>
            <td className="whitespace-nowrap px-3 py-2 font-mono">{entry.ip ?? t("table.unknownAddress")}</td>
            <td className="px-3 py-2">
              {details.length > 0 && (
                <dl className="grid grid-cols-[max-content_1fr] gap-x-2 text-xs">
                  {details.map(([key, value]) => (
                    <div key={key} className="contents">
                      <dt className="text-slate-600">{key}</dt>
                      <dd className="break-all font-mono">{value}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </td>
          </tr>
        );
      })}
    </ListTable>
  );
}
