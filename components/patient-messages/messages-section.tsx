import { getTranslations } from "next-intl/server";
import { RefreshWhile } from "@/components/appointments/appointment-actions";
import type { Viewer } from "@/lib/auth/session";
import { formatDate, formatDateTime, formatTime } from "@/lib/format";
import type { MessageRow } from "@/lib/patient-messages/data";
import { MESSAGE_REASONS } from "@/lib/patient-messages/schema";
import { messagesPanelForViewer } from "@/lib/patient-messages/views";
import { CopyLink, SendAgainForm } from "./message-forms";

const reasons = new Set<string>(MESSAGE_REASONS);
const TWO_MINUTES = 2 * 60_000;

/** Still moving: queued or being sent now, or a text whose delivery report may come any moment. */
function inProgress(rows: MessageRow[], now: Date): boolean {
  return rows.some(
    (r) =>
      r.state === "SENDING" ||
      (r.state === "QUEUED" && (!r.nextAttemptAt || r.nextAttemptAt.getTime() - now.getTime() < TWO_MINUTES)) ||
      (r.state === "SENT" && r.channel === "SMS" && r.sentAt && now.getTime() - r.sentAt.getTime() < TWO_MINUTES),
  );
}

/**
 * "Messages to the patient" on the appointment page: every e-mail and SMS with its state (queued, sent,
 * delivered, failed with the reason, not sent and why), the appointment's one link to copy at any time, and
 * "send again". Re-reads itself while something is on its way.
 */
export async function PatientMessagesSection({
  viewer,
  appointmentId,
  locale,
}: {
  viewer: Viewer;
  appointmentId: string;
  locale: string;
}) {
  const panel = await messagesPanelForViewer(viewer, appointmentId);
  if (!panel) return null;
  const t = await getTranslations("appointments.messages");
  const now = new Date();
  const zone = viewer.timeZone;
  const when = (row: MessageRow) => row.deliveredAt ?? row.sentAt ?? row.updatedAt;
  const why = (row: MessageRow): string | null => {
    if (row.state === "QUEUED" && row.nextAttemptAt)
      return t("retryAt", { time: formatTime(row.nextAttemptAt, zone, locale) });
    const detail = row.detail;
    if (!detail || (row.state !== "FAILED" && row.state !== "SKIPPED")) return null;
    if (reasons.has(detail)) return t(`reason.${detail}`);
    if (detail.startsWith("carrier:")) return t("reasonCarrier", { detail: detail.slice("carrier:".length) });
    return t("reasonService", { code: detail });
  };
  const contact = panel.contact;
  const live = panel.status === "BOOKED" || panel.status === "CONFIRMED" || panel.status === "CANCELLED";

  return (
    <section aria-labelledby="patient-messages" className="mt-8 space-y-4">
      <h2 id="patient-messages" className="text-lg font-semibold">
        {t("title")}
      </h2>
      {contact && !contact.consentAt && (
        <p className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">{t("noConsent")}</p>
      )}
      {contact?.smsOptedOutAt && (
        <p
          className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950"
          data-testid="sms-opted-out"
        >
          {t("optedOut", { date: formatDate(contact.smsOptedOutAt, zone, locale) })}
        </p>
      )}
      <div>
        <h3 className="font-medium">{t("linkTitle")}</h3>
        {panel.link ? <CopyLink url={panel.link} /> : <p className="text-sm text-slate-700">{t("linkNone")}</p>}
        <p className="mt-1 text-sm text-slate-600">{t("linkHint")}</p>
      </div>
      {panel.messages.length === 0 ? (
        <p className="text-sm text-slate-700">{t("empty")}</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[36rem] border-collapse text-sm" data-testid="patient-messages">
            <caption className="sr-only">{t("caption")}</caption>
            <thead>
              <tr className="border-b border-slate-300 text-left">
                <th scope="col" className="py-2 pr-3 font-medium">
                  {t("columns.when")}
                </th>
                <th scope="col" className="py-2 pr-3 font-medium">
                  {t("columns.message")}
                </th>
                <th scope="col" className="py-2 pr-3 font-medium">
                  {t("columns.channel")}
                </th>
                <th scope="col" className="py-2 font-medium">
                  {t("columns.state")}
                </th>
              </tr>
            </thead>
            <tbody>
              {panel.messages.map((row) => {
                const reason = why(row);
                return (
                  <tr key={row.id} className="border-b border-slate-200 align-top">
                    <td className="py-2 pr-3 whitespace-nowrap">{formatDateTime(when(row), zone, locale)}</td>
                    <td className="py-2 pr-3">
                      {t(`template.${row.template}`)}
                      {row.copy > 0 && <span className="ml-1 text-slate-600">({t("again")})</span>}
                    </td>
                    <td className="py-2 pr-3">{t(`channel.${row.channel}`)}</td>
                    <td className="py-2">
                      <span className={row.state === "FAILED" ? "font-medium text-red-800" : ""}>
                        {t(`state.${row.state}`)}
                      </span>
                      {reason && <span className="block text-slate-600">{reason}</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {live && <SendAgainForm appointmentId={appointmentId} />}
      <RefreshWhile active={inProgress(panel.messages, now)} intervalMs={3000} />
    </section>
  );
}
