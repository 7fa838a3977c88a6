import crypto from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";

/** Thrown by handlers; turned into a Graph-style error body by the server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = "invalidRequest") => new HttpError(400, code, message);
export const notFound = (message: string) => new HttpError(404, "itemNotFound", message);
export const forbidden = (message: string, code = "accessDenied") => new HttpError(403, code, message);

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  requestId: string;
  clientRequestId: string | undefined;
  rawBody(): Promise<Buffer>;
  json(): Promise<unknown>;
  /** Parses the JSON body with a zod schema; 400 with the first issue on failure. */
  parse<T extends z.ZodType>(schema: T): Promise<z.infer<T>>;
  /**
   * A fault that lets the request be carried out and then loses its answer: the response is replaced by a
   * Graph error with this status, or the connection is closed without one after `dropAfterMs`.
   */
  loseAnswer?: { status: number } | { dropAfterMs: number };
}

const MAX_BODY = 10 * 1024 * 1024;

export function createContext(req: IncomingMessage, res: ServerResponse, origin: string): RequestContext {
  const url = new URL(req.url ?? "/", origin);
  let cached: Promise<Buffer> | undefined;
  const clientRequestId = headerValue(req, "client-request-id");
  const ctx: RequestContext = {
    req,
    res,
    url,
    params: {},
    requestId: crypto.randomUUID(),
    clientRequestId,
    rawBody() {
      cached ??= new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) reject(new HttpError(413, "requestTooLarge", "Request body too large."));
          else chunks.push(c);
        });
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", reject);
      });
      return cached;
    },
    async json() {
      const raw = (await ctx.rawBody()).toString("utf8");
      if (raw.trim() === "") return {};
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        throw new HttpError(
          400,
          "BadRequest",
          "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        );
      }
    },
    async parse(schema) {
      const body = await ctx.json();
      const result = schema.safeParse(body);
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue && issue.path.length ? issue.path.join(".") : "body";
        throw badRequest(`Invalid request: ${where}: ${issue?.message ?? "invalid"}`);
      }
      return result.data;
    },
  };
  return ctx;
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Carries out a `loseAnswer` fault instead of the answer the handler wrote; false when there is none. */
function answerLost(ctx: RequestContext): boolean {
  const lost = ctx.loseAnswer;
  if (!lost) return false;
  ctx.loseAnswer = undefined;
  if ("dropAfterMs" in lost) {
    setTimeout(() => ctx.req.socket.destroy(), lost.dropAfterMs);
    return true;
  }
  sendJson(
    ctx,
    lost.status,
    graphErrorBody(
      ctx,
      lost.status === 504 ? "gatewayTimeout" : "serviceNotAvailable",
      "The service did not answer in time.",
    ),
  );
  return true;
}

export function sendJson(
  ctx: RequestContext,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (answerLost(ctx)) return;
  const payload = JSON.stringify(body);
  ctx.res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(payload),
    ...standardHeaders(ctx),
    ...headers,
  });
  ctx.res.end(payload);
}

export function sendEmpty(ctx: RequestContext, status: number, headers: Record<string, string> = {}): void {
  if (answerLost(ctx)) return;
  ctx.res.writeHead(status, { ...standardHeaders(ctx), ...headers });
  ctx.res.end();
}

export function sendHtml(ctx: RequestContext, status: number, html: string): void {
  ctx.res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  ctx.res.end(html);
}

function standardHeaders(ctx: RequestContext): Record<string, string> {
  const h: Record<string, string> = { "request-id": ctx.requestId, "Cache-Control": "no-store" };
  if (ctx.clientRequestId) h["client-request-id"] = ctx.clientRequestId;
  return h;
}

/** Graph error body (emulator/CONTRACT.md#errors). */
function graphErrorBody(ctx: RequestContext, code: string, message: string) {
  const innerError: Record<string, string> = {
    "request-id": ctx.requestId,
    date: new Date().toISOString().replace(/\.\d{3}Z$/, ""),
  };
  if (ctx.clientRequestId) innerError["client-request-id"] = ctx.clientRequestId;
  return { error: { code, message, innerError } };
}

export function sendGraphError(ctx: RequestContext, err: HttpError): void {
  sendJson(ctx, err.status, graphErrorBody(ctx, err.code, err.message), err.headers);
}
