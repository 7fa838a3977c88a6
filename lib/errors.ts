// One error type for expected failures with a closed set of codes, and one table from code to HTTP
// status. Anything else is an internal error whose details stay in the server log.
export const errorStatus = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SLOT_TAKEN: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
  UPSTREAM_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

// Services cached on globalThis (the reminder service, made by the job workers in instrumentation.ts) can
// come from another bundle whose AppError is a different class: `instanceof` alone then misses their
// errors and an expected 404 becomes a 500. A registered symbol is the same in every bundle.
const appErrorBrand = Symbol.for("consulta.AppError");

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
    Object.defineProperty(this, appErrorBrand, { value: true });
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export function isAppError(error: unknown): error is AppError {
  if (error instanceof AppError) return true;
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[appErrorBrand] === true;
}

/** The body a client sees: the code and a human message, never a stack trace or an internal message. */
export function publicErrorBody(error: unknown): { error: { code: ErrorCode; message: string; details?: unknown } } {
  if (isAppError(error)) return { error: { code: error.code, message: error.message, details: error.details } };
  return { error: { code: "INTERNAL", message: "Something went wrong on our side. Please try again." } };
}
