import { NextResponse, type NextRequest } from "next/server";
import { clientAddressFrom } from "@/lib/http/client-address";
import { fixedWindowLimiter } from "@/lib/rate-limit";

// Runs before every page and patient link (not static assets, not /api/). Three jobs:
// 1. Patient links are guessed only by trying them: each client address gets a small budget of link
//    requests per window, the same for valid and invalid links, so the answer reveals nothing.
// 2. Pages get a Content-Security-Policy with a fresh nonce: Next reads it from the request's header
//    and puts it on its own scripts, so no inline script without the nonce can run.
// 3. A page takes a body only as a server action's arguments, and Next refuses arguments over its
//    limit by throwing, which answered 500: bodies over the limit are refused here with 413.
// API routes render nothing (their CSP, `default-src 'none'`, is a static header in next.config.js) and
// refuse oversized bodies from Content-Length themselves (lib/http/route.ts, lib/bot/intake.ts), so
// they skip the proxy: invoking it cost every API request about 1 ms of server CPU, as much again as
// a no-op route's own.
// (Authorization is not done here: every page and handler checks the viewer itself.)
const patientLinks = fixedWindowLimiter(30, 60_000);

/** Next's limit for a server action's body: `serverActions.bodySizeLimit`, left at its default (1 MB). */
export const ACTION_BODY_LIMIT_BYTES = 1024 * 1024;

const production = process.env.NODE_ENV === "production";

function origin(url: string | undefined): string | null {
  try {
    return url ? new URL(url).origin : null;
  } catch {
    return null;
  }
}

// The sign-in button is a server action whose answer redirects to Entra ID; without JavaScript that is
// a form submission, and Chromium applies form-action to its redirects too.
const signInOrigin = origin(process.env.AUTH_MICROSOFT_ENTRA_ID_ISSUER) ?? "https://login.microsoftonline.com";

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts loaded by a nonced script are trusted; 'self' is only a CSP2 fallback
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${production ? "" : " 'unsafe-eval'"}`,
    // React and next/font write style attributes and <style> tags without a nonce; styles cannot run code
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    `form-action 'self' ${signInOrigin}`,
    "frame-ancestors 'none'",
    ...(production && process.env.PUBLIC_BASE_URL?.startsWith("https://") ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

function clientAddress(request: NextRequest): string {
  return clientAddressFrom(request.headers.get("x-forwarded-for")) ?? "local";
}

const carriesBody = (request: NextRequest) => request.method !== "GET" && request.method !== "HEAD";

/**
 * Next's own request forwarding a server action to the page that has it: a page's POST names an action
 * of another page, Next sends the request on to that page (here, `/j/[token]` for the patient link's
 * actions, from the sender's address, so it counts against the sender's budget) and relays the answer.
 */
const forwardedAction = (request: NextRequest) =>
  request.method === "POST" && request.headers.has("next-action") && request.headers.has("x-action-forwarded");

/**
 * A refusal, as a short text. To Next's forwarding of a server action it is typed as an action's
 * answer (and empty): Next hangs up on any other type at once, and the request it hung up on has lost
 * its "error" listener (Next gave the proxy a copy of its body), so Node reported it "aborted" as an
 * uncaught ECONNRESET with a stack, once per refused request. An answer of its own type Next reads to
 * the end and relays, so the request completes and nothing is logged.
 */
function refuse(request: NextRequest, status: number, text: string, headers: Record<string, string> = {}) {
  const forwarded = forwardedAction(request);
  return new NextResponse(forwarded ? null : text, {
    status,
    headers: {
      "content-type": forwarded ? "text/x-component" : "text/plain; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });
}

/**
 * Is the body larger than `limit` bytes? Browsers declare the size (Content-Length); a body sent in
 * chunks (Next forwards actions so) is measured as it arrives, reading no further than the limit.
 */
async function bodyOver(request: NextRequest, limit: number): Promise<boolean> {
  const declared = request.headers.get("content-length");
  if (declared !== null) return Number(declared) > limit;
  if (!request.body) return false;
  const reader = request.body.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return false;
    bytes += value.byteLength;
    if (bytes > limit) {
      reader.releaseLock();
      return true;
    }
  }
}

export async function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;

  if (carriesBody(request) && (await bodyOver(request, ACTION_BODY_LIMIT_BYTES)))
    return refuse(request, 413, "The request is too large.");

  if (pathname === "/j" || pathname.startsWith("/j/")) {
    const { allowed, retryAfterSeconds } = patientLinks.take(clientAddress(request));
    if (!allowed)
      return refuse(request, 429, "Too many requests. Please wait a minute and try again.", {
        "retry-after": String(retryAfterSeconds),
      });
  }

  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const csp = contentSecurityPolicy(nonce);
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  requestHeaders.set("x-nonce", nonce);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  return response;
}

export const config = {
  // everything except API routes, built assets and files served as they are
  matcher: ["/((?!api/|_next/static|_next/image|favicon\\.ico|robots\\.txt|sitemap\\.xml).*)"],
};
