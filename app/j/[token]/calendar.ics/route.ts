import { openPatientLink } from "@/lib/appointments/patient-link-service";
import { patientLinkUrl } from "@/lib/appointments/join-token";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { requestClientAddress } from "@/lib/audit/request";
import { clinicContact } from "@/lib/clinic-contact";
import { isLocale } from "@/lib/i18n/locales";
import { appointmentIcs } from "@/lib/patient-messages/ics";
import { calendarEntryFor } from "@/lib/patient-messages/templates";

// The appointment as a calendar file for the patient's phone. The same UID and SEQUENCE as the file the
// e-mails carry, so importing it after an e-mail (or the reverse) updates one entry. A cancelled appointment
// answers with its cancellation, so a calendar that has it can drop it; a visit that ended has nothing to add.
export async function GET(request: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const view = await openPatientLink(token, new Date(), { ip: await requestClientAddress() });
  if (!view || view.phase === "ended") {
    return new Response("Not found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  const lang = new URL(request.url).searchParams.get("lang");
  const locale = isLocale(lang) ? lang : view.locale;
  const cancelled = view.phase === "cancelled";
  const entry = calendarEntryFor(
    {
      ...view,
      typeName: localizedTypeName({ name: view.typeName, nameEn: view.typeNameEn }, locale),
      locale,
      clinic: clinicContact(),
      link: patientLinkUrl(token),
    },
    { id: view.appointmentId, version: view.version, cancelled },
  );
  return new Response(appointmentIcs(entry, cancelled ? "CANCEL" : "PUBLISH"), {
    headers: {
      "content-type": "text/calendar; charset=utf-8",
      "content-disposition": 'attachment; filename="consulta.ics"',
      "cache-control": "no-store",
    },
  });
}
