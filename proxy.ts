import { NextResponse, type NextRequest } from "next/server";
import { clientAddressFrom } from "@/lib/http/client-address";
import { fixedWindowLimiter } from "@/lib/rate-limit";

// Runs before every page and patient link (not static assets, not /api/). Two jobs:
// 1. Patient links are guessed only by trying them: each client address gets a small budget of link
//    requests per window, the same for valid and invalid links, so the answer reveals nothing.
// 2. Pages get a Content-Security-Policy with a fresh nonce: Next reads it from the request's header
//    and puts it on its own scripts, so no inline script without the nonce can run.
// API routes render nothing (their CSP, `default-src 'none'`, is a static header in next.config.js) and
// refuse oversized bodies from Content-Length themselves (lib/http/route.ts, lib/bot/intake.ts), so
// they skip the proxy: invoking it cost every API request about 1 ms of server CPU, as much again as
// a no-op route's own.
// (Authorization is not done here: every page and handler checks the viewer itself.)
const patientLinks = fixedWindowLimiter(30, 60_000);

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

function plain(status: number, text: string, headers: Record<string, string> = {}): NextResponse {
  return new NextResponse(text, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;

  if (pathname === "/j" || pathname.startsWith("/j/")) {
    const { allowed, retryAfterSeconds } = patientLinks.take(clientAddress(request));
    if (!allowed)
      return plain(429, "Too many requests. Please wait a minute and try again.", {
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
