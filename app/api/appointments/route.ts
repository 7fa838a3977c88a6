import { bookAppointmentForViewer } from "@/lib/appointments/api";
import { readJsonBody, jsonRoute } from "@/lib/http/route";
import { bookApiInput } from "@/lib/appointments/schema";

// Booking over HTTP (integrations, scripts): the same rules as the booking page. The Idempotency-Key
// header makes a resent request return the first booking instead of booking twice.
export async function POST(request: Request) {
  const response = await jsonRoute(
    request,
    { appOrigins: [process.env.PUBLIC_BASE_URL ?? "http://localhost:3000"] },
    async () => {
      const input = await readJsonBody(request, bookApiInput);
      const result = await bookAppointmentForViewer(input, request.headers.get("idempotency-key"));
      return { status: result.replayed ? 200 : 201, body: result };
    },
  );
  // The answers are a few hundred bytes: gzipping each one (Next compresses every streamed body it
  // cannot size) cost more server time than it saved bytes under load. no-transform opts out.
  response.headers.set("cache-control", "no-store, no-transform");
  return response;
}
