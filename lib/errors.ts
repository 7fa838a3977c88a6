// One error type for expected failures with a closed set of codes, and one table from code to HTTP
// status. Anything else is an internal error whose details stay in the server log.
import "server-only";
import { UNAVAILABLE_DIGEST } from "./error-digests";

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
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

const brandsKey = Symbol.for("consulta.errorBrands");

/**
 * An error class that `instanceof` recognises across bundles. Next compiles instrumentation (the job
 * workers) and each route separately, each with its own copy of these classes, while the services
 * they share live on globalThis: an error thrown by a service the worker bundle created fails a plain
 * `instanceof` in a route, which then answered 500 instead of the error's status. Each subclass sets
 * a `static brand`; instances carry their class chain's brands under a registry symbol.
 */
export abstract class BrandedError extends Error {
  static readonly brand: string = "BrandedError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const chain: string[] = [];
    for (let cls: unknown = new.target; cls && cls !== BrandedError; cls = Object.getPrototypeOf(cls)) {
      if (Object.hasOwn(cls, "brand")) chain.push((cls as typeof BrandedError).brand);
    }
    Object.defineProperty(this, brandsKey, { value: chain });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== "object" || value === null || !Object.hasOwn(this, "brand")) return false;
    const chain: unknown = (value as { [brandsKey]?: unknown })[brandsKey];
    return Array.isArray(chain) && chain.includes(this.brand);
  }
}

export class AppError extends BrandedError {
  static override readonly brand: string = "consulta.AppError";
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

/**
 * Consulta itself cannot serve the request for a moment (its database is unreachable): 503 with
 * Retry-After for API callers, a "briefly unavailable" page for people. The fixed `digest` is how the
 * page's error boundary recognises it (Next passes only the digest of a server error to the browser).
 */
export class ServiceUnavailableError extends AppError {
  static override readonly brand: string = "consulta.ServiceUnavailableError";
  readonly retryAfterSeconds: number;
  readonly digest = UNAVAILABLE_DIGEST;

  constructor(message: string, retryAfterSeconds: number) {
    super("SERVICE_UNAVAILABLE", message);
    this.name = "ServiceUnavailableError";
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

type FormFailureKey = "signedOut" | "forbidden" | "notFound" | "conflict" | "fixFields";

const FORM_FAILURE_KEYS: Partial<Record<ErrorCode, FormFailureKey>> = {
  UNAUTHENTICATED: "signedOut",
  FORBIDDEN: "forbidden",
  NOT_FOUND: "notFound",
  CONFLICT: "conflict",
};

/** A form's input refused: each field with its message key (a key of the form's messages), read by formFailure. */
export function invalidFields(message: string, fieldErrors: Record<string, string>): AppError {
  return new AppError("BAD_REQUEST", message, { fieldErrors });
}

/**
 * What an edit form says for an expected failure: the message key (each such form's messages have these) and,
 * for a refused input, the field errors the mutation found. Null for anything else, which the action logs.
 */
export function formFailure(error: unknown): { key: FormFailureKey; fieldErrors: Record<string, string> } | null {
  if (!isAppError(error)) return null;
  if (error.code === "BAD_REQUEST") {
    return { key: "fixFields", fieldErrors: (error.details?.fieldErrors ?? {}) as Record<string, string> };
  }
  const key = FORM_FAILURE_KEYS[error.code];
  return key ? { key, fieldErrors: {} } : null;
}

/** The body a client sees: the code and a human message, never a stack trace or an internal message. */
export function publicErrorBody(error: unknown): { error: { code: ErrorCode; message: string; details?: unknown } } {
  if (isAppError(error)) return { error: { code: error.code, message: error.message, details: error.details } };
  return { error: { code: "INTERNAL", message: "Something went wrong on our side. Please try again." } };
}
