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

export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.infer<typeof faultRuleSchema> & {
  id: number;
  matcher: RegExp;
  remaining: number;
  hits: number;
};

export function globToRegExp(pattern: string): RegExp {
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

  add(input: z.infer<typeof faultRuleSchema>): FaultRule {
    const rule: FaultRule = {
      ...input,
      id: this.nextId++,
      matcher: input.pathRegex !== undefined ? new RegExp(input.pathRegex, "i") : globToRegExp(input.path ?? "**"),
      remaining: input.count,
      hits: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules;
  }

  clear(): void {
    this.rules = [];
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
