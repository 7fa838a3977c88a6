// Graph failures, parsed once at the boundary (emulator/CONTRACT.md#errors) so callers branch on status and `code`,
// never on message text. Nothing here swallows an error into null: not-found, throttling, forbidden
// and outages stay distinguishable.
import "server-only";
import { z } from "zod";
import { AppError, BrandedError } from "@/lib/errors";

export interface GraphErrorInit {
  status: number;
  code: string;
  message: string;
  requestId?: string;
  clientRequestId?: string;
  date?: string;
  /** The innermost `innerError.code`, when Graph nests one (e.g. "429" inside TooManyRequests). */
  innerCode?: string;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** A failed Graph request: the HTTP status (0 = no response), Graph's error `code` and its request id. */
export class GraphError extends BrandedError {
  static override readonly brand: string = "consulta.GraphError";
  readonly status: number;
  readonly code: string;
  readonly requestId?: string;
  readonly clientRequestId?: string;
  readonly date?: string;
  readonly innerCode?: string;
  readonly retryAfterSeconds?: number;

  constructor(init: GraphErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "GraphError";
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.clientRequestId = init.clientRequestId;
    this.date = init.date;
    this.innerCode = init.innerCode;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** A Graph token could not be obtained. `reauthenticate`: the user must sign in again. */
export class GraphAuthError extends BrandedError {
  static override readonly brand: string = "consulta.GraphAuthError";
  readonly code: "reauthenticate" | "appTokenUnavailable";

  constructor(code: GraphAuthError["code"], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GraphAuthError";
    this.code = code;
  }
}

export function isGraphError(error: unknown): error is GraphError {
  return error instanceof GraphError;
}
export function isNotFound(error: unknown): boolean {
  return isGraphError(error) && error.status === 404;
}
export function isThrottled(error: unknown): boolean {
  return isGraphError(error) && error.status === 429;
}
export function isForbidden(error: unknown): boolean {
  return isGraphError(error) && error.status === 403;
}
export function needsReauthentication(error: unknown): boolean {
  return error instanceof GraphAuthError && error.code === "reauthenticate";
}

/** The HTTP status of a failed Graph request (0: no answer came), or null for any other failure. */
export function graphStatusOf(error: unknown): number | null {
  return isGraphError(error) ? error.status : null;
}

/**
 * Worth trying again later: no answer came, Graph throttled or was itself failing, or no app token could be had
 * for now. Anything else — a refusal (4xx), a reauthentication, a bug in our code — fails the same way again.
 */
export function isTransientGraphFailure(error: unknown): boolean {
  if (isGraphError(error)) return error.status === 0 || error.status === 429 || error.status >= 500;
  if (error instanceof GraphAuthError) return error.code === "appTokenUnavailable";
  return false;
}

type SyncRowState = "PENDING" | "READY" | "FAILED" | "DELETED";

/**
 * How a row kept in line with Graph (a Teams meeting, an Outlook event) records a failed sync: one more
 * attempt and the reason; a permanent failure marks a row not yet READY as FAILED, while a transient one keeps
 * its state and is thrown again by the caller so the job retries it.
 */
export function syncFailureRecord<S extends SyncRowState>(
  error: unknown,
  state: S,
): { transient: boolean; data: { attempts: { increment: 1 }; failureReason: string; state: S | "FAILED" } } {
  const transient = isTransientGraphFailure(error);
  return {
    transient,
    data: {
      attempts: { increment: 1 },
      failureReason: describeGraphFailure(error),
      state: transient || state === "READY" ? state : "FAILED",
    },
  };
}

/** "404 itemNotFound", "appTokenUnavailable" or "unexpected error": a failure as records people read show it. */
export function describeGraphFailure(error: unknown): string {
  if (error instanceof GraphAuthError) return error.code;
  if (isGraphError(error)) return `${error.status} ${error.code}`;
  return "unexpected error";
}

// Graph spells the nested object both `innerError` (examples) and `innererror` (schema), and nests it.
interface InnerError {
  code?: string;
  "request-id"?: string;
  "client-request-id"?: string;
  date?: string;
  innerError?: InnerError;
  innererror?: InnerError;
}
const innerErrorSchema: z.ZodType<InnerError> = z.lazy(() =>
  z.looseObject({
    code: z.string().optional().catch(undefined),
    "request-id": z.string().optional().catch(undefined),
    "client-request-id": z.string().optional().catch(undefined),
    date: z.string().optional().catch(undefined),
    innerError: innerErrorSchema.optional().catch(undefined),
    innererror: innerErrorSchema.optional().catch(undefined),
  }),
);
const errorBodySchema = z.object({
  error: z.looseObject({
    code: z.string().optional().catch(undefined),
    message: z.string().optional().catch(undefined),
    innerError: innerErrorSchema.optional().catch(undefined),
    innererror: innerErrorSchema.optional().catch(undefined),
  }),
});

const fallbackCodes: Record<number, string> = {
  400: "badRequest",
  401: "unauthenticated",
  403: "accessDenied",
  404: "itemNotFound",
  409: "conflict",
  429: "TooManyRequests",
  500: "generalException",
  503: "serviceNotAvailable",
  504: "gatewayTimeout",
};

/**
 * Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns whole seconds to wait
 * (never negative), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** Builds a GraphError from a non-2xx response's status, headers and body text (JSON or not). */
export function graphErrorFrom(status: number, headers: Headers, bodyText: string, nowMs: number): GraphError {
  let json: unknown;
  try {
    json = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    json = undefined;
  }
  const parsed = errorBodySchema.safeParse(json);
  const error = parsed.success ? parsed.data.error : undefined;
  const chain: InnerError[] = [];
  for (let inner = error?.innerError ?? error?.innererror; inner && chain.length < 10;) {
    chain.push(inner);
    inner = inner.innerError ?? inner.innererror;
  }
  const pick = (key: "request-id" | "client-request-id" | "date") => chain.find((i) => i[key])?.[key];
  const innerCode = [...chain].reverse().find((i) => i.code)?.code;
  const snippet = bodyText.trim().slice(0, 200);
  return new GraphError({
    status,
    code: error?.code ?? fallbackCodes[status] ?? (status >= 500 ? "generalException" : "unknownError"),
    message:
      error?.message ?? (snippet ? `Graph answered ${status}: ${snippet}` : `Graph answered ${status} with no body`),
    requestId: pick("request-id") ?? headers.get("request-id") ?? undefined,
    clientRequestId: pick("client-request-id") ?? headers.get("client-request-id") ?? undefined,
    date: pick("date"),
    innerCode,
    retryAfterSeconds: parseRetryAfter(headers.get("retry-after"), nowMs),
  });
}

/**
 * For route adapters: the AppError a caller shows. Graph's own message stays in the log; the public
 * message is ours.
 */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof GraphAuthError) {
    return error.code === "reauthenticate"
      ? new AppError("UNAUTHENTICATED", "Your Microsoft session has expired. Please sign in again.", {
          reason: "reauthenticate",
        })
      : new AppError("UPSTREAM_UNAVAILABLE", "Microsoft Teams is not reachable right now. Please try again.");
  }
  if (!isGraphError(error)) return undefined;
  if (error.status === 404) return new AppError("NOT_FOUND", "The Teams meeting or call no longer exists.");
  if (error.status === 403) return new AppError("FORBIDDEN", "Microsoft Teams refused this action for this account.");
  if (error.status === 429)
    return new AppError("RATE_LIMITED", "Microsoft Teams is busy. Please try again shortly.", {
      retryAfterSeconds: error.retryAfterSeconds,
    });
  if (error.status === 0 || error.status >= 500)
    return new AppError("UPSTREAM_UNAVAILABLE", "Microsoft Teams is not reachable right now. Please try again.");
  return undefined;
}
