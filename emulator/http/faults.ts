import { z } from "zod";

/** Fault injection rules, set through the control API (tests and demos of failure handling). */
export const faultRuleSchema = z
  .object({
    /** "request" faults apply to Graph/identity/speech requests; "notification" faults to outbound webhooks. */
    target: z.enum(["request", "notification"]).default("request"),
    method: z.string().toUpperCase().optional(),
    /** Glob (* = one segment, ** = anything) matched against the path (requests) or resourceUrl (notifications)… */
    path: z.string().min(1).optional(),
    /** …or a regular expression (case-insensitive) instead of the glob. */
    pathRegex: z
      .string()
      .min(1)
      .refine((r) => {
        try {
          new RegExp(r);
          return true;
        } catch {
          return false;
        }
      }, "pathRegex is not a valid regular expression")
      .optional(),
    /** How many matching requests to affect; 0 = unlimited. */
    count: z.number().int().min(0).default(1),
    action: z.discriminatedUnion("type", [
      z.object({ type: z.literal("throttle"), retryAfterSeconds: z.number().int().min(0).default(1) }),
      z.object({ type: z.literal("unavailable"), retryAfterSeconds: z.number().int().min(0).optional() }),
      z.object({ type: z.literal("latency"), ms: z.number().int().min(0).max(120_000) }),
      /** The request is carried out (a call is created), then its answer is lost: a 5xx comes back instead. */
      z.object({ type: z.literal("failAfter"), status: z.number().int().min(500).max(599).default(503) }),
      /** The request is carried out, then the connection closes without an answer (the client sees a timeout). */
      z.object({ type: z.literal("dropAfter"), afterMs: z.number().int().min(0).max(120_000).default(50) }),
      z.object({ type: z.literal("drop") }),
      z.object({ type: z.literal("duplicate") }),
    ]),
  })
  .refine((r) => (r.path === undefined) !== (r.pathRegex === undefined), {
    message: "give exactly one of path (glob) or pathRegex",
  })
  .refine((r) => r.target === "notification" || (r.action.type !== "drop" && r.action.type !== "duplicate"), {
    message: "drop/duplicate only apply to target 'notification'",
  })
  .refine((r) => r.target === "request" || (r.action.type !== "failAfter" && r.action.type !== "dropAfter"), {
    message: "failAfter/dropAfter only apply to target 'request'",
  })
  .refine(
    (r) =>
      r.target === "request" ||
      r.action.type === "drop" ||
      r.action.type === "duplicate" ||
      r.action.type === "latency",
    {
      message: "notification faults support drop, duplicate and latency",
    },
  );

export type FaultRule = z.infer<typeof faultRuleSchema> & {
  id: number;
  matcher: RegExp;
  remaining: number;
  hits: number;
  /**
   * Throttle rules: how the clients retried the requests they answered, matched by `client-request-id`
   * (Graph's SDKs keep it over retries): after waiting out Retry-After, or early (throttled requests sent
   * without the header are not followed).
   */
  retries?: { honoured: number; early: number; shortestWaitMs: number | null };
};

// The client's wait is measured here, from sending the 429 to the retry's arrival; timers may fire a
// millisecond early against this clock.
const WAIT_TOLERANCE_MS = 5;

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${escaped}$`, "i");
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private nextId = 1;
  /** client-request-id of a request answered 429 → when, by which rule, and the wait it was given */
  private awaitingRetry = new Map<string, { rule: FaultRule; at: number; retryAfterMs: number }>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  add(input: z.infer<typeof faultRuleSchema>): FaultRule {
    const rule: FaultRule = {
      ...input,
      id: this.nextId++,
      matcher: input.pathRegex !== undefined ? new RegExp(input.pathRegex, "i") : globToRegExp(input.path ?? "**"),
      remaining: input.count,
      hits: 0,
      ...(input.action.type === "throttle" && { retries: { honoured: 0, early: 0, shortestWaitMs: null } }),
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules;
  }

  clear(): void {
    this.rules = [];
    this.awaitingRetry.clear();
  }

  /** The throttle `rule` answered a request 429: its retry is watched for. */
  throttled(rule: FaultRule, clientRequestId: string | undefined): void {
    if (clientRequestId && rule.action.type === "throttle")
      this.awaitingRetry.set(clientRequestId, {
        rule,
        at: this.clock(),
        retryAfterMs: rule.action.retryAfterSeconds * 1000,
      });
  }

  /** Every Graph request, before faults apply: the retry of a throttled request is checked against its wait. */
  observe(clientRequestId: string | undefined): void {
    const throttled = clientRequestId ? this.awaitingRetry.get(clientRequestId) : undefined;
    if (!throttled?.rule.retries) return;
    this.awaitingRetry.delete(clientRequestId!);
    const waited = Math.round(this.clock() - throttled.at);
    const retries = throttled.rule.retries;
    if (waited + WAIT_TOLERANCE_MS >= throttled.retryAfterMs) retries.honoured++;
    else retries.early++;
    retries.shortestWaitMs = Math.min(retries.shortestWaitMs ?? waited, waited);
  }

  /** Consumes and returns the first matching rule, if any. */
  take(target: "request" | "notification", method: string, path: string): FaultRule | undefined {
    const rule = this.rules.find(
      (r) =>
        r.target === target &&
        (!r.method || r.method === method) &&
        r.matcher.test(path) &&
        (r.count === 0 || r.remaining > 0),
    );
    if (!rule) return undefined;
    rule.hits++;
    if (rule.count > 0) rule.remaining--;
    return rule;
  }
}
