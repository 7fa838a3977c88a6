import { getTranslations } from "next-intl/server";
import type { Viewer } from "@/lib/auth/session";
import { canSeeAllAppointments } from "@/lib/auth/roles";
import { invitablePeopleForViewer, liveMeetingCallForViewer } from "@/lib/calls/views";
import { LiveCallPanel } from "./live-call-panel";

/**
 * "Live meeting" on the appointment page (shown while the appointment's Teams meeting is ready): the
 * bot joins, the roster is live; staff and admins also invite, mute and remove. The appointment's
 * clinician may join, watch the roster and leave (the same rules as lib/bot/access.ts).
 */
export async function LiveMeetingSection({ viewer, appointmentId }: { viewer: Viewer; appointmentId: string }) {
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
      <LiveCallPanel
        appointmentId={appointmentId}
        initialCallId={callId}
        canControl={canSeeAllAppointments(viewer.role)}
        people={people.map(({ id, entraObjectId, name }) => ({ id, entraObjectId, name }))}
      />
    </section>
  );
}
