// Cross-site request protection for state-changing route handlers: the browser's Origin must be the
// app's own origin (PUBLIC_BASE_URL, or the origin the request was addressed to). Without an Origin
// header only a same-origin Sec-Fetch-Site is accepted: a cookie-carrying request from another site
// always has one of the two.
import "server-only";
import { AppError } from "@/lib/errors";

export function isSameOrigin(request: Request, appOrigins: readonly string[]): boolean {
  const allowed = new Set(appOrigins.map((o) => new URL(o).origin));
  allowed.add(new URL(request.url).origin);
  const origin = request.headers.get("origin");
  if (origin) return origin !== "null" && allowed.has(origin);
  return request.headers.get("sec-fetch-site") === "same-origin";
}

export function assertSameOrigin(request: Request, appOrigins: readonly string[]): void {
  if (!isSameOrigin(request, appOrigins))
    throw new AppError("FORBIDDEN", "This request must come from the Consulta application itself.");
}
