// One wrapper for JSON route handlers: cross-site check for state-changing methods, body parsing with
// zod (400 with the first problem), and AppError → status with the public body; anything unexpected is
// a generic 500 whose details go to the log only.
import type { z } from "zod";
import { AppError, isAppError, publicErrorBody } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { assertSameOrigin } from "./same-origin";

const MAX_JSON_BYTES = 16 * 1024;

export async function readJsonBody<T>(request: Request, schema: z.ZodType<T>): Promise<T> {
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_JSON_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", "The request is too large.");
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
  return Response.json(publicErrorBody(error), { status, headers: { "cache-control": "no-store" } });
}

export async function jsonRoute(
  request: Request,
  options: { appOrigins: readonly string[] },
  run: () => Promise<{ status?: number; body?: unknown }>,
): Promise<Response> {
  try {
    if (!["GET", "HEAD", "OPTIONS"].includes(request.method)) assertSameOrigin(request, options.appOrigins);
    const { status = 200, body } = await run();
    if (body === undefined) return new Response(null, { status: status === 200 ? 204 : status });
    return Response.json(body, { status, headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
