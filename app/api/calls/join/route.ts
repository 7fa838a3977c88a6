// POST {appointmentId}: the bot joins the appointment's Teams meeting (staff, or the appointment's clinician).
import { joinAppointmentMeeting } from "@/lib/bot";
import { appOrigins, joinBodySchema, requireAppointmentAttendance } from "@/lib/bot/actions";
import { jsonRoute, readJsonBody } from "@/lib/http/route";

export async function POST(request: Request) {
  return jsonRoute(request, { appOrigins: appOrigins() }, async () => {
    const { appointmentId } = await readJsonBody(request, joinBodySchema);
    const actor = await requireAppointmentAttendance(appointmentId);
    const call = await joinAppointmentMeeting(appointmentId, actor);
    return { status: 201, body: { call: { id: call.id, state: call.state, purpose: call.purpose } } };
  });
}
