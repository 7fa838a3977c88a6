import type { NextRequest } from "next/server";
import { handlers } from "@/lib/auth";
import { declaresBodyOver, errorResponse, MAX_AUTH_BODY_BYTES } from "@/lib/http/route";
import { AppError } from "@/lib/errors";

export const { GET } = handlers;

// Auth.js reads its forms itself: refuse an oversized one from its Content-Length first.
export function POST(request: NextRequest) {
  if (declaresBodyOver(request, MAX_AUTH_BODY_BYTES))
    return errorResponse(new AppError("PAYLOAD_TOO_LARGE", "The request is too large."));
  return handlers.POST(request);
}
