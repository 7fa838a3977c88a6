// POST (no body): the bot leaves the call (staff, or the clinician of the call's appointment).
import { leaveCall } from "@/lib/bot";
import { appOrigins, requireCallAttendance } from "@/lib/bot/actions";
import { jsonRoute } from "@/lib/http/route";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return jsonRoute(request, { appOrigins: appOrigins() }, async () => {
    const { id } = await params;
    const actor = await requireCallAttendance(id);
    await leaveCall(id, actor);
    return { status: 202, body: { ok: true } };
  });
}
