// POST {kind:"user", userId, displayName?} | {kind:"phone", e164}: invite into the call (staff, or the clinician of the call's appointment).
import { inviteToCall } from "@/lib/bot";
import { appOrigins, inviteBodySchema, requireCallControl } from "@/lib/bot/actions";
import { jsonRoute, readJsonBody } from "@/lib/http/route";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return jsonRoute(request, { appOrigins: appOrigins() }, async () => {
    const { id } = await params;
    const actor = await requireCallControl(id);
    const who = await readJsonBody(request, inviteBodySchema);
    return { status: 202, body: await inviteToCall(id, who, actor) };
  });
}
