import { createEvent } from "ics";
import { openPatientLink } from "@/lib/appointments/patient-link";
import { requestClientAddress } from "@/lib/audit/request";

// An .ics for the patient's calendar. Times are written in UTC, which every calendar converts to the
// reader's own zone, so the event lands at the right moment whatever the phone's setting.
export async function GET(request: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const view = await openPatientLink(token, new Date(), { ip: await requestClientAddress() });
  if (!view || view.status === "CANCELLED") {
    return new Response("Not found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  const toUtcArray = (d: Date) =>
    [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()] as [
      number,
      number,
      number,
      number,
      number,
    ];
  const pageUrl = new URL(`/j/${token}`, request.url).toString();
  const { error, value } = createEvent({
    uid: `${view.appointmentId}@consulta`,
    title: `${view.typeName} — ${view.clinicianName}`,
    description: view.locale === "en" ? `Join from ${pageUrl}` : `Entre pela página ${pageUrl}`,
    url: pageUrl,
    start: toUtcArray(view.startsAt),
    startInputType: "utc",
    startOutputType: "utc",
    end: toUtcArray(view.endsAt),
    endInputType: "utc",
    endOutputType: "utc",
    status: "CONFIRMED",
    productId: "consulta/ics",
  });
  if (error || !value) return new Response("Calendar file unavailable", { status: 500 });
  return new Response(value, {
    headers: {
      "content-type": "text/calendar; charset=utf-8",
      "content-disposition": 'attachment; filename="consulta.ics"',
      "cache-control": "no-store",
    },
  });
}
