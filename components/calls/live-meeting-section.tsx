import { getTranslations } from "next-intl/server";
import type { Viewer } from "@/lib/auth/session";
import { canSeeAllAppointments } from "@/lib/auth/roles";
import { invitablePeopleForViewer, liveMeetingCallForViewer } from "@/lib/calls/views";
import { LiveCallPanel } from "./live-call-panel";

/**
 * "Live meeting" on the appointment page (shown while the appointment's Teams meeting is ready): the
 * bot joins, the roster is live, and staff — or the appointment's own clinician — invite an interpreter or
 * a colleague, mute and remove (the same rules as lib/bot/access.ts, which the routes check again).
 */
export async function LiveMeetingSection({
  viewer,
  appointmentId,
  clinicianId,
  joinWebUrl,
}: {
  viewer: Viewer;
  appointmentId: string;
  /** the appointment's clinician: in their own visits they act as staff do */
  clinicianId: string;
  /** the Teams meeting: people in its lobby are admitted there */
  joinWebUrl: string | null;
}) {
  const t = await getTranslations("calls.panel");
  const [callId, people] = await Promise.all([
    liveMeetingCallForViewer(viewer, appointmentId),
    invitablePeopleForViewer(viewer),
  ]);
  return (
    <section aria-labelledby="live-meeting" className="mt-8 space-y-3">
      <h2 id="live-meeting" className="text-lg font-semibold">
        {t("title")}
      </h2>
      <p className="text-sm text-slate-600">{t("lead")}</p>
      <p className="text-sm text-slate-600">
        {t("admission")}{" "}
        {joinWebUrl && (
          <a href={joinWebUrl} target="_blank" rel="noreferrer" className="text-brand-700 underline">
            {t("openMeeting")}
          </a>
        )}
      </p>
      <LiveCallPanel
        appointmentId={appointmentId}
        initialCallId={callId}
        canControl={canSeeAllAppointments(viewer.role) || clinicianId === viewer.id}
        people={people.map(({ id, entraObjectId, name }) => ({ id, entraObjectId, name }))}
      />
    </section>
  );
}
