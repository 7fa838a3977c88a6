import { NextResponse, type NextRequest } from "next/server";
import { fixedWindowLimiter } from "@/lib/rate-limit";

// Patient links are guessed only by trying them: each client address gets a small budget of link
// requests per window, the same for valid and invalid links, so the answer reveals nothing.
// (Authorization is not done here: every page and handler checks the viewer itself.)
const patientLinks = fixedWindowLimiter(30, 60_000);

export function proxy(request: NextRequest) {
  const address = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || "local";
  const { allowed, retryAfterSeconds } = patientLinks.take(address);
  if (!allowed) {
    return new NextResponse("Too many requests. Please wait a minute and try again.", {
      status: 429,
      headers: { "retry-after": String(retryAfterSeconds), "content-type": "text/plain; charset=utf-8" },
    });
  }
  return NextResponse.next();
}

export const config = { matcher: ["/j/:path*"] };
