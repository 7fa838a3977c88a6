import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getLocale, getTranslations } from "next-intl/server";
import { z } from "zod";
import {
  CancelForm,
  RefreshWhile,
  RotateLinkForm,
  SimpleActionForm,
} from "@/components/appointments/appointment-actions";
import { AttendanceSection } from "@/components/attendance/attendance-section";
import { OutlookEventState } from "@/components/appointments/outlook-event-state";
import { RemindNowButton } from "@/components/appointments/remind-now";
import { RescuePanel } from "@/components/appointments/rescue-panel";
import { StatusBadge } from "@/components/appointments/status-badge";
import { auditSentences } from "@/components/audit/audit-sentence";
import { LiveMeetingSection } from "@/components/calls/live-meeting-section";
import { PatientMessagesSection } from "@/components/patient-messages/messages-section";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { cancelAction, retryMeetingAction, rotateLinkAction } from "@/lib/appointments/actions";
import { isLive, meetingLabel, meetingUsable, pageInProgress } from "@/lib/appointments/progress";
import { appointmentForViewer } from "@/lib/appointments/views";
import { requireViewerPage } from "@/lib/auth/session";
import { canSeeAllAppointments } from "@/lib/auth/roles";
import { rescueStatus } from "@/lib/rescue";
import { outlookSettings } from "@/lib/outlook/settings";
import { formatDateTime, formatDateTimeRange, zoneLabel } from "@/lib/format";
import { clocksDiffer } from "@/lib/scheduling";

export default async function AppointmentPage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const viewer = await requireViewerPage();
  const locale = await getLocale();
  const id = z.uuid().safeParse((await params).id);
  if (!id.success) notFound();
  const found = await appointmentForViewer(viewer, id.data);
  if (!found) notFound();
  const { appointment: a, history, reminder } = found;
  const t = await getTranslations("appointments.detail");
  const rt = await getTranslations("appointments.reminder");
  const sentence = await auditSentences(viewer.timeZone, locale);
  const now = new Date();
  const live = isLive(a.status);
  const upcoming = live && a.endsAt > now;
  const pageState = { status: a.status, meetingState: a.meeting?.state ?? null, reminder };
  // a cancelled appointment's meeting is on its way out: no join link, no bot
  const meetingReady = meetingUsable(pageState);
  // the bot's calls to a patient who has not joined (lib/rescue); the viewer may see this appointment
  const rescue = await rescueStatus(a.id);

  return (
    <main id="main" className="mx-auto max-w-4xl p-4">
      <p>
        <Link href="/appointments" className="text-sm text-brand-700 underline">
          {t("back")}
        </Link>
      </p>
      <h1 className="mt-2 text-2xl font-bold">
        {localizedTypeName(a.appointmentType, locale)} · {a.patient.firstName} {a.patient.lastName}
      </h1>
      <StatusBadge status={a.status} />

      <dl className="mt-6 grid gap-x-6 gap-y-3 sm:grid-cols-[max-content_1fr]">
        <dt className="font-medium text-slate-600">{t("when")}</dt>
        <dd>
          {formatDateTimeRange(a.startsAt, a.endsAt, viewer.timeZone, locale)}
          <span className="block text-sm text-slate-600">{zoneLabel(a.startsAt, viewer.timeZone, locale)}</span>
          {a.clinician.timeZone !== viewer.timeZone && (
            <span className="block text-sm text-slate-600">
              {t("clinicianTime", {
                time: formatDateTime(a.startsAt, a.clinician.timeZone, locale),
                zone: zoneLabel(a.startsAt, a.clinician.timeZone, locale),
              })}
            </span>
          )}
          {/* the patient's own clock, when it differs from the page's (e.g. a patient in Lisbon) */}
          {clocksDiffer(a.startsAt, viewer.timeZone, a.patient.timeZone) && (
            <span className="block text-sm text-slate-600" data-testid="patient-time">
              {t("patientTime", {
                time: formatDateTimeRange(a.startsAt, a.endsAt, a.patient.timeZone, locale),
                zone: zoneLabel(a.startsAt, a.patient.timeZone, locale),
              })}
            </span>
          )}
        </dd>
        <dt className="font-medium text-slate-600">{t("clinician")}</dt>
        <dd>{a.clinician.name}</dd>
        <dt className="font-medium text-slate-600">{t("patient")}</dt>
        <dd>
          <Link href={`/patients/${a.patient.id}`} className="text-brand-700 underline">
            {a.patient.firstName} {a.patient.lastName}
          </Link>
        </dd>
        {a.note && (
          <>
            <dt className="font-medium text-slate-600">{t("note")}</dt>
            <dd className="whitespace-pre-line break-words">{a.note}</dd>
          </>
        )}
        <dt className="font-medium text-slate-600">{t("meeting")}</dt>
        <dd>
          <span data-testid="meeting-state">{t(`meetingState.${meetingLabel(pageState)}`)}</span>
          {live && a.meeting?.state === "FAILED" && (
            <div className="mt-2">
              {a.meeting.failureReason && (
                <p className="text-sm text-red-800">{t("meetingFailure", { reason: a.meeting.failureReason })}</p>
              )}
              <SimpleActionForm appointmentId={a.id} action={retryMeetingAction} label={t("retryMeeting")} />
            </div>
          )}
          {a.meeting?.state === "PENDING" && a.meeting.failureReason && (
            <p className="text-sm text-amber-800">{t("meetingRetryingBecause", { reason: a.meeting.failureReason })}</p>
          )}
          {meetingReady && a.meeting?.joinWebUrl && (
            <a href={a.meeting.joinWebUrl} className="ml-2 text-brand-700 underline" rel="noreferrer" target="_blank">
              {t("joinMeeting")}
            </a>
          )}
        </dd>
        <OutlookEventState
          event={a.calendarEvent}
          clinicianName={a.clinician.name}
          live={live}
          current={a.endsAt > now}
          enabled={outlookSettings().OUTLOOK_CALENDAR === "on"}
        />
        <dt className="font-medium text-slate-600">{t("reminderCall")}</dt>
        <dd data-testid="reminder-state">
          {reminder
            ? reminder.outcome
              ? rt(`outcome.${reminder.outcome}`)
              : rt(`status.${reminder.status}`)
            : rt("none")}
          {reminder?.detail && <span className="block text-sm text-slate-600">{reminder.detail}</span>}
        </dd>
      </dl>
      {/* the meeting being created or removed, a reminder call under way: re-read until it settles */}
      <RefreshWhile active={pageInProgress(pageState, now)} />

      {meetingReady && (
        <LiveMeetingSection
          viewer={viewer}
          appointmentId={a.id}
          clinicianId={a.clinicianId}
          joinWebUrl={a.meeting?.joinWebUrl ?? null}
        />
      )}

      {(rescue.latest || (meetingReady && upcoming)) && (
        <RescuePanel
          appointmentId={a.id}
          initial={rescue}
          canStart={meetingReady && upcoming && (canSeeAllAppointments(viewer.role) || a.clinicianId === viewer.id)}
        />
      )}

      {/* how the visit ended, from Teams' attendance reports (lib/attendance) */}
      <AttendanceSection viewer={viewer} appointment={a} locale={locale} now={now} />

      <PatientMessagesSection viewer={viewer} appointmentId={a.id} locale={locale} />

      {upcoming && (
        <section aria-labelledby="manage" className="mt-8 space-y-4">
          <h2 id="manage" className="text-lg font-semibold">
            {t("manage")}
          </h2>
          <Link
            href={`/appointments/${a.id}/reschedule`}
            className="inline-block rounded border border-slate-300 bg-white px-3 py-1 hover:bg-slate-100"
          >
            {t("reschedule")}
          </Link>
          <RotateLinkForm appointmentId={a.id} action={rotateLinkAction} />
          {viewer.role !== "CLINICIAN" && <RemindNowButton appointmentId={a.id} />}
          <CancelForm appointmentId={a.id} action={cancelAction} />
        </section>
      )}

      <section aria-labelledby="history" className="mt-8">
        <h2 id="history" className="text-lg font-semibold">
          {t("history")}
        </h2>
        <ol className="mt-2 space-y-1 text-sm">
          {history.map((entry) => (
            <li key={String(entry.id)}>
              <span className="font-mono">{formatDateTime(entry.at, viewer.timeZone, locale)}</span> — {sentence(entry)}
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}
