// One wrapper for JSON route handlers: oversized bodies refused from their Content-Length before a
// byte is read, cross-site check for state-changing methods, body parsing with zod (400 with the first
// problem), and AppError → status with the public body; anything unexpected is a generic 500 whose
// details go to the log only.
import "server-only";
import type { z } from "zod";
import { AppError, isAppError, publicErrorBody, ServiceUnavailableError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { assertSameOrigin } from "./same-origin";

const MAX_JSON_BYTES = 16 * 1024;
/** Auth.js's endpoints take small forms (sign-in, sign-out, the OAuth callback). */
export const MAX_AUTH_BODY_BYTES = 64 * 1024;

// The size checks live in the handlers, not in proxy.ts: running the proxy cost every API request
// about 1 ms of server CPU (a no-op route's CPU halved without it), and a handler can refuse from
// the Content-Length header just as early, before anything reads the body. (The bot's webhook checks
// its own limit, lib/bot/intake/index.ts.)

/** Does the request declare (Content-Length) a body larger than `limit` bytes? */
export function declaresBodyOver(request: Request, limit: number): boolean {
  const declared = Number(request.headers.get("content-length") ?? "0");
  return Number.isFinite(declared) && declared > limit;
}

/**
 * The body as text, or null once it passes `limit` bytes: refused from the Content-Length when declared,
 * else counted as it streams in and dropped at the limit (a webhook's sender may send chunked bodies).
 */
export async function readTextWithin(request: Request, limit: number): Promise<string | null> {
  if (declaresBodyOver(request, limit)) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const tooLarge = () => new AppError("PAYLOAD_TOO_LARGE", "The request is too large.");

export async function readJsonBody<T>(request: Request, schema: z.ZodType<T>): Promise<T> {
  if (declaresBodyOver(request, MAX_JSON_BYTES)) throw tooLarge();
  // a body sent without Content-Length (chunked) is read, then measured
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_JSON_BYTES) throw tooLarge();
  let raw: unknown;
  try {
    raw = text ? JSON.parse(text) : {};
  } catch {
    throw new AppError("BAD_REQUEST", "The body is not JSON.");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
    throw new AppError("BAD_REQUEST", `${where}${issue.message}`);
  }
  return parsed.data;
}

export function errorResponse(error: unknown): Response {
  const status = isAppError(error) ? error.status : 500;
  if (!isAppError(error)) logger.error({ err: error }, "route handler failed");
  // after a 413 the unread body is not worth receiving: close the connection instead of draining it
  const close: Record<string, string> = status === 413 ? { connection: "close" } : {};
  // a brief outage (the database away): tell the caller when to try again
  const retry: Record<string, string> =
    error instanceof ServiceUnavailableError ? { "retry-after": String(error.retryAfterSeconds) } : {};
  return Response.json(publicErrorBody(error), {
    status,
    headers: { "cache-control": "no-store", ...close, ...retry },
  });
}

export async function jsonRoute(
  request: Request,
  options: { appOrigins: readonly string[] },
  run: () => Promise<{ status?: number; body?: unknown }>,
): Promise<Response> {
  try {
    if (declaresBodyOver(request, MAX_JSON_BYTES)) throw tooLarge();
    if (!["GET", "HEAD", "OPTIONS"].includes(request.method)) assertSameOrigin(request, options.appOrigins);
    const { status = 200, body } = await run();
    if (body === undefined) return new Response(null, { status: status === 200 ? 204 : status });
    return Response.json(body, { status, headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
