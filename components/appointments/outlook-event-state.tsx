import { getTranslations } from "next-intl/server";
import { RefreshWhile } from "./appointment-actions";

// The visit's event in the clinician's Outlook calendar (lib/outlook/event-sync.ts), as a row of the
// appointment's details. The page re-reads itself while the event is being added or removed.
export async function OutlookEventState({
  event,
  clinicianName,
  live,
  current,
  enabled,
}: {
  event: { state: "PENDING" | "READY" | "FAILED" | "DELETED"; failureReason: string | null } | null;
  clinicianName: string;
  live: boolean;
  /** the appointment has not ended: the jobs still keep its event in line */
  current: boolean;
  /** OUTLOOK_CALENDAR is on: an appointment without an event yet will get one */
  enabled: boolean;
}) {
  const t = await getTranslations("outlook.appointment");
  const state = event?.state ?? "none";
  // a cancelled appointment's event is on its way out until the job has removed it
  const settling =
    current && (live ? state === "PENDING" || (!event && enabled) : state === "READY" || state === "PENDING");
  return (
    <>
      <dt className="font-medium text-slate-600">{t("label")}</dt>
      <dd>
        <span data-testid="outlook-state">{t(`state.${state}`, { name: clinicianName })}</span>
        {event?.failureReason && state === "FAILED" && (
          <span className="block text-sm text-red-800">{t("failure", { reason: event.failureReason })}</span>
        )}
        {event?.failureReason && state !== "FAILED" && (
          <span className="block text-sm text-amber-800">{t("retrying", { reason: event.failureReason })}</span>
        )}
        <RefreshWhile active={settling} />
      </dd>
    </>
  );
}
