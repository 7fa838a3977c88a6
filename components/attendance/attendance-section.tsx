import { getTranslations } from "next-intl/server";
import type { Viewer } from "@/lib/auth/session";
import { attendanceForAppointment } from "@/lib/attendance/views";
import { formatDateTime } from "@/lib/format";
import { AttendanceCorrectionForm } from "./correction-form";

/**
 * How the visit went by Teams' attendance reports (lib/attendance): minutes each side was in the meeting, by
 * phone or not, and staff's correction. Shown once the visit has ended.
 */
export async function AttendanceSection({
  viewer,
  appointment,
  locale,
  now,
}: {
  viewer: Viewer;
  appointment: { id: string; status: string; endsAt: Date };
  locale: string;
  now: Date;
}) {
  if (appointment.status === "CANCELLED" || appointment.endsAt > now) return null;
  const t = await getTranslations("attendance");
  const view = await attendanceForAppointment(appointment.id);
  const closed = appointment.status === "COMPLETED" || appointment.status === "NO_SHOW";
  const mayCorrect = viewer.role === "STAFF" || viewer.role === "ADMIN";
  const choices = (["COMPLETED", "NO_SHOW"] as const)
    .filter((to) => to !== appointment.status)
    .map((to) => ({ to, label: t(`markAs.${to}`) }));

  return (
    <section aria-labelledby="attendance" className="mt-8" data-testid="attendance">
      <h2 id="attendance" className="text-lg font-semibold">
        {t("title")}
      </h2>
      {!view?.checkedAt && !closed && <p className="mt-2 text-sm text-slate-700">{t("notReadYet")}</p>}
      {view?.checkedAt && (
        <dl className="mt-2 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
          {view.decision && (
            <>
              <dt className="font-medium text-slate-600">{t("reportSaid")}</dt>
              <dd data-testid="attendance-decision">{t(`decision.${view.decision}`)}</dd>
            </>
          )}
          {view.patientMinutes !== null && (
            <>
              <dt className="font-medium text-slate-600">{t("patientMinutes")}</dt>
              <dd data-testid="attendance-patient-minutes">
                {t("minutes", { minutes: view.patientMinutes })}
                {view.patientByPhone && <span className="ml-2 text-slate-700">({t("byPhone")})</span>}
              </dd>
              <dt className="font-medium text-slate-600">{t("clinicianMinutes")}</dt>
              <dd>{t("minutes", { minutes: view.clinicianMinutes ?? 0 })}</dd>
            </>
          )}
          <dt className="font-medium text-slate-600">{t("checkedAt")}</dt>
          <dd>{formatDateTime(view.checkedAt, viewer.timeZone, locale)}</dd>
        </dl>
      )}
      {view?.lastError && <p className="mt-2 text-sm text-amber-800">{t("readFailed", { code: view.lastError })}</p>}
      {!closed && view?.nextCheckAt && (
        <p className="mt-2 text-sm text-slate-700">
          {t("nextCheck", { time: formatDateTime(view.nextCheckAt, viewer.timeZone, locale) })}
        </p>
      )}
      {view?.correctedAt && (
        <p className="mt-2 text-sm text-slate-700" data-testid="attendance-corrected">
          {t("correctedBy", {
            name: view.correctedBy ?? "—",
            time: formatDateTime(view.correctedAt, viewer.timeZone, locale),
          })}
        </p>
      )}
      {mayCorrect && (
        <AttendanceCorrectionForm appointmentId={appointment.id} from={appointment.status} choices={choices} />
      )}
    </section>
  );
}
