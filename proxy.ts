import { NextResponse, type NextRequest } from "next/server";
import { createTranslator } from "next-intl";
import { clientAddressFrom } from "@/lib/http/client-address";
import { isLocale, localeCookie, localeFromAcceptLanguage, type Locale } from "@/lib/i18n/locales";
import { patientLinkLimiter, sharedLimitStore } from "@/lib/rate-limit";
import en from "@/messages/en.json";
import pt from "@/messages/pt-BR.json";

// Runs before every page and patient link (not static assets, not /api/). Three jobs:
// 1. Patient links are guessed only by trying them: an address may try only so many different links, the
//    same for valid and invalid ones, so the answer reveals nothing; and each link and each address has a
//    budget of requests, so patients sharing an address (a clinic's Wi-Fi) do not lock each other out. The
//    refusal is a page in the patient's language.
// 2. Pages get a Content-Security-Policy with a fresh nonce: Next reads it from the request's header
//    and puts it on its own scripts, so no inline script without the nonce can run.
// 3. A page takes a body only as a server action's arguments, and Next refuses arguments over its
//    limit by throwing, which answered 500: bodies over the limit are refused here with 413.
// API routes render nothing (their CSP, `default-src 'none'`, is a static header in next.config.js) and
// refuse oversized bodies from Content-Length themselves (lib/http/route.ts, lib/bot/intake/index.ts), so
// they skip the proxy: invoking it cost every API request about 1 ms of server CPU, as much again as
// a no-op route's own.
// (Authorization is not done here: every page and handler checks the viewer itself.)
// The budgets are counted in PostgreSQL (lib/rate-limit.ts), so every web instance spends the same ones. The
// proxy runs in Node.js (Next 16's proxy has no edge runtime), so it reaches the database with `pg`.
let patientLinks: ReturnType<typeof patientLinkLimiter> | undefined;

/** A token's shape (lib/appointments/join-token.ts); anything else is counted against its sender only. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

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
function refuse(
  request: NextRequest,
  status: number,
  text: string,
  headers: Record<string, string> = {},
  html?: string,
) {
  const forwarded = forwardedAction(request);
  const page = !forwarded && html !== undefined;
  return new NextResponse(forwarded ? null : page ? html : text, {
    status,
    headers: {
      "content-type": forwarded ? "text/x-component" : page ? "text/html; charset=utf-8" : "text/plain; charset=utf-8",
      "cache-control": "no-store",
      ...(page
        ? { "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" }
        : {}),
      ...headers,
    },
  });
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The patient's language for a refusal: the page's ?lang, else the language chosen on the site, else the browser's. */
function refusalLocale(request: NextRequest): Locale {
  const lang = request.nextUrl.searchParams.get("lang");
  if (isLocale(lang)) return lang;
  const chosen = request.cookies.get(localeCookie)?.value;
  if (isLocale(chosen)) return chosen;
  return localeFromAcceptLanguage(request.headers.get("accept-language"));
}

/** "Too many requests" as a page a patient can read on a phone, with no script and nothing about the link. */
export function tooManyRequestsPage(locale: Locale, retryAfterSeconds: number, retryUrl: string): string {
  const t = createTranslator({ locale, messages: locale === "en" ? en : pt, namespace: "rateLimit" });
  const title = escapeHtml(t("title"));
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title></head>
<body style="margin:0;background:#f8fafc;color:#0f172a;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif">
<main style="max-width:28rem;margin:0 auto;padding:2rem 1rem">
<h1 style="font-size:1.5rem;line-height:1.3;margin:0 0 .75rem">${title}</h1>
<p style="font-size:1.05rem;line-height:1.5;margin:0 0 1.5rem">${escapeHtml(t("body", { seconds: retryAfterSeconds }))}</p>
<a href="${escapeHtml(retryUrl)}" style="display:block;text-align:center;background:#0e6a6d;color:#fff;padding:.85rem 1rem;border-radius:.4rem;font-size:1.1rem;font-weight:600;text-decoration:none">${escapeHtml(t("retry"))}</a>
</main></body></html>`;
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
    const address = clientAddress(request);
    const segment = pathname.split("/")[2] ?? "";
    // a forwarded action names the route ("/j/[token]"), not a token: it counts as its sender's own
    const link = TOKEN_SHAPE.test(segment) ? segment : `${address} ${segment}`;
    patientLinks ??= patientLinkLimiter(sharedLimitStore());
    const taken = await patientLinks.take(address, link);
    if (!taken.allowed) {
      const retryAfter = taken.retryAfterSeconds;
      return refuse(
        request,
        429,
        "Too many requests. Please wait a minute and try again.",
        { "retry-after": String(retryAfter) },
        tooManyRequestsPage(refusalLocale(request), retryAfter, `${pathname}${request.nextUrl.search}`),
      );
    }
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
