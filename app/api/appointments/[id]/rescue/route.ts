// GET: the visit's rescue call as it goes (staff, or the appointment's clinician; the page polls it).
// POST: call the patient now — "Dr X is waiting for your video visit" — audited as the person who asked.
import { z } from "zod";
import { appOrigins, requireAppointmentAttendance } from "@/lib/bot/actions";
import { AppError } from "@/lib/errors";
import { jsonRoute } from "@/lib/http/route";
import { rescueStatus, rescues } from "@/lib/rescue";

export const dynamic = "force-dynamic";

function appointmentId(id: string): string {
  if (!z.uuid().safeParse(id).success) throw new AppError("NOT_FOUND", "This appointment was not found.");
  return id;
}

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return jsonRoute(request, { appOrigins: appOrigins() }, async () => {
    const id = appointmentId((await params).id);
    await requireAppointmentAttendance(id);
    return { body: await rescueStatus(id) };
  });
}

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return jsonRoute(request, { appOrigins: appOrigins() }, async () => {
    const id = appointmentId((await params).id);
    const actor = await requireAppointmentAttendance(id);
    await rescues().startByHand(id, actor);
    return { status: 202, body: await rescueStatus(id) };
  });
}
