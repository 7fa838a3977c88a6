import { bookForViewer } from "@/lib/appointments/booking-service";
import { bookApiInput, idempotencyKey } from "@/lib/appointments/schema";
import { ALL_ROLES, requireViewer } from "@/lib/auth/session";
import { serverEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { readJsonBody, jsonRoute } from "@/lib/http/route";

// Booking over HTTP (integrations, scripts): the booking page's rules (lib/appointments/booking-service.ts). The
// Idempotency-Key header makes a resent request return the first booking (200) instead of booking twice.
export async function POST(request: Request) {
  const response = await jsonRoute(request, { appOrigins: [serverEnv().PUBLIC_BASE_URL] }, async () => {
    const input = await readJsonBody(request, bookApiInput);
    const viewer = await requireViewer(ALL_ROLES);
    const key = idempotencyKey.safeParse(request.headers.get("idempotency-key"));
    if (!key.success)
      throw new AppError("BAD_REQUEST", "Send an Idempotency-Key header (8–100 characters) with every booking.");
    // an integration answers for the patient's agreement to a time at night on their clock itself
    const booking = await bookForViewer(
      viewer,
      { ...input, idempotencyKey: key.data },
      { patientAgreedToNightTime: true },
    );
    return { status: booking.replayed ? 200 : 201, body: booking };
  });
  // The answers are a few hundred bytes: gzipping each one (Next compresses every streamed body it
  // cannot size) cost more server time than it saved bytes under load. no-transform opts out.
  response.headers.set("cache-control", "no-store, no-transform");
  return response;
}
