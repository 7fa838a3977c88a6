// POST {userIds: string[1..5]}: a Teams group call with these Consulta users (staff and admins).
import { startGroupCall } from "@/lib/bot";
import { appOrigins, groupBodySchema, requireStaff } from "@/lib/bot/actions";
import { jsonRoute, readJsonBody } from "@/lib/http/route";

export async function POST(request: Request) {
  return jsonRoute(request, { appOrigins: appOrigins() }, async () => {
    const actor = await requireStaff();
    const { userIds } = await readJsonBody(request, groupBodySchema);
    const call = await startGroupCall(userIds, actor);
    return { status: 201, body: { call: { id: call.id, state: call.state, purpose: call.purpose } } };
  });
}
