// Retry policy for Graph (emulator/CONTRACT.md#throttling): 429/503/504 are retried, honouring Retry-After
// (seconds or an HTTP date) and otherwise backing off exponentially with jitter; everything else is final.
// Every attempt counts against Graph's limits, so there is never an immediate retry, and the whole exchange is
// bounded in attempts and in time so a caller (a page, a job) gets an answer it can act on.
//
// Why our own middleware and not the SDK's RetryHandler: the SDK's handler honours Retry-After seconds
// but not HTTP dates, has no total-time bound, retries on 504 only by its own rules, and sleeps with a
// real setTimeout that tests cannot replace.
import "server-only";
import type { Context, Middleware, MiddlewareOptions } from "@microsoft/microsoft-graph-client";
import { logger } from "@/lib/logger";
import { parseRetryAfter } from "./errors";

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  /** No retry is scheduled that would end later than this after the first attempt started. */
  maxTotalMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 6,
  maxTotalMs: 30_000,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
};

/** Time and randomness, injected so tests run instantly and deterministically. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

const retryableStatuses: ReadonlySet<number> = new Set([429, 503, 504]);

/**
 * Per-request option: retry only throttling (429), which Graph answers before doing anything. For requests
 * that must not be repeated blindly — creating a call: a 5xx or a timeout may come after the call was placed,
 * and a retry would ring the phone again.
 */
export class RetryOnlyThrottling implements MiddlewareOptions {}
const THROTTLING_ONLY: ReadonlySet<number> = new Set([429]);

/**
 * Per-request option: no retry here at all, the caller schedules its own (a patient message's job retries
 * after Retry-After and shows the wait on the message, instead of holding a worker for it).
 */
export class RetryNever implements MiddlewareOptions {}
const NEVER: ReadonlySet<number> = new Set();

export type RetryDecision =
  | { retry: true; delayMs: number; basis: "retry-after" | "backoff" }
  | { retry: false; reason: "final-status" | "max-attempts" | "deadline" };

export interface AttemptOutcome {
  status: number;
  retryAfter: string | null;
  /** 1 for the first attempt. */
  attempt: number;
  /** Milliseconds since the first attempt started. */
  elapsedMs: number;
}

/** Exponential backoff with "equal jitter": half the step is fixed, half random, capped at maxDelayMs. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

export function decideRetry(
  outcome: AttemptOutcome,
  policy: RetryPolicy,
  clock: Clock,
  statuses: ReadonlySet<number> = retryableStatuses,
): RetryDecision {
  if (!statuses.has(outcome.status)) return { retry: false, reason: "final-status" };
  if (outcome.attempt >= policy.maxAttempts) return { retry: false, reason: "max-attempts" };
  const retryAfterSeconds = parseRetryAfter(outcome.retryAfter, clock.now());
  const delayMs =
    retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : backoffDelayMs(outcome.attempt, policy, clock.random);
  if (outcome.elapsedMs + delayMs > policy.maxTotalMs) return { retry: false, reason: "deadline" };
  return { retry: true, delayMs, basis: retryAfterSeconds !== undefined ? "retry-after" : "backoff" };
}

export class RetryMiddleware implements Middleware {
  private next?: Middleware;

  constructor(
    private readonly policy: RetryPolicy = defaultRetryPolicy,
    private readonly clock: Clock = systemClock,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error("RetryMiddleware needs a next middleware");
    const started = this.clock.now();
    const control = context.middlewareControl;
    const statuses = control?.getMiddlewareOptions(RetryNever)
      ? NEVER
      : control?.getMiddlewareOptions(RetryOnlyThrottling)
        ? THROTTLING_ONLY
        : retryableStatuses;
    for (let attempt = 1; ; attempt++) {
      await this.next.execute(context);
      const response = context.response;
      if (!response) return;
      const decision = decideRetry(
        {
          status: response.status,
          retryAfter: response.headers.get("retry-after"),
          attempt,
          elapsedMs: this.clock.now() - started,
        },
        this.policy,
        this.clock,
        statuses,
      );
      if (!decision.retry) {
        if (decision.reason !== "final-status") {
          logger.warn({ status: response.status, attempt, reason: decision.reason }, "graph: giving up retrying");
        }
        return;
      }
      logger.warn(
        { status: response.status, attempt, delayMs: decision.delayMs, basis: decision.basis },
        "graph: retrying after a transient answer",
      );
      // free the connection before waiting; the body of a throttled answer is not needed
      await response.body?.cancel().catch(() => undefined);
      await this.clock.sleep(decision.delayMs);
    }
  }
}
