// GET: who waits in the lobby and who has joined each visit's Teams meeting, for the signed-in person (staff:
// every visit; a clinician: their own, with the alert for their next patient waiting). Polled every second
// by the app's pages (components/waiting-room/store.ts).
import { jsonRoute } from "@/lib/http/route";
import { appOrigins } from "@/lib/bot/actions";
import { waitingRoomForViewer } from "@/lib/waiting-room/views";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  return jsonRoute(request, { appOrigins: appOrigins() }, async () => ({
    body: await waitingRoomForViewer(new Date()),
  }));
}
