// POST {participantId}: remove a participant from the call (staff, or the clinician of the call's appointment).
import { removeParticipant } from "@/lib/bot";
import { appOrigins, participantBodySchema, requireCallControl } from "@/lib/bot/actions";
import { jsonRoute, readJsonBody } from "@/lib/http/route";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return jsonRoute(request, { appOrigins: appOrigins() }, async () => {
    const { id } = await params;
    const actor = await requireCallControl(id);
    const { participantId } = await readJsonBody(request, participantBodySchema);
    await removeParticipant(id, participantId, actor);
    return { status: 202, body: { ok: true } };
  });
}
