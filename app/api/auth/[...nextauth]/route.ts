import type { NextRequest } from "next/server";
import { handlers } from "@/lib/auth";
import { declaresBodyOver, errorResponse, MAX_AUTH_BODY_BYTES } from "@/lib/http/route";
import { clientAddressFrom } from "@/lib/http/client-address";
import { AppError } from "@/lib/errors";
import { sharedLimitStore, signInLimiter } from "@/lib/rate-limit";

// Starting a sign-in and its callback (a code exchanged with Entra ID) are limited per address, counted in
// PostgreSQL so every instance spends the same budget (lib/rate-limit.ts). Reading the session is not.
let signIns: ReturnType<typeof signInLimiter> | undefined;
const SIGN_IN_PATHS = /^\/api\/auth\/(signin|callback)(\/|$)/;

async function refusedSignIn(request: NextRequest): Promise<Response | null> {
  if (!SIGN_IN_PATHS.test(request.nextUrl.pathname)) return null;
  signIns ??= signInLimiter(sharedLimitStore());
  const address = clientAddressFrom(request.headers.get("x-forwarded-for")) ?? "local";
  const taken = await signIns.take(address);
  if (taken.allowed) return null;
  const refusal = errorResponse(new AppError("RATE_LIMITED", "Too many sign-in attempts. Please wait a minute."));
  refusal.headers.set("retry-after", String(taken.retryAfterSeconds));
  return refusal;
}

export async function GET(request: NextRequest) {
  return (await refusedSignIn(request)) ?? handlers.GET(request);
}

// Auth.js reads its forms itself: refuse an oversized one from its Content-Length first.
export async function POST(request: NextRequest) {
  if (declaresBodyOver(request, MAX_AUTH_BODY_BYTES))
    return errorResponse(new AppError("PAYLOAD_TOO_LARGE", "The request is too large."));
  return (await refusedSignIn(request)) ?? handlers.POST(request);
}
