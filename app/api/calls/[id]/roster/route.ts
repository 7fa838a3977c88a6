// GET: who is in the call, in the lobby, muted; invitations and their outcome (staff, or the clinician).
import { rosterFor } from "@/lib/bot";
import { appOrigins, requireCallAttendance } from "@/lib/bot/actions";
import { jsonRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return jsonRoute(request, { appOrigins: appOrigins() }, async () => {
    const { id } = await params;
    await requireCallAttendance(id);
    return { body: await rosterFor(id) };
  });
}
