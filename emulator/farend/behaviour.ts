import { z } from "zod";

const stepBase = {
  /** Wait this long (ms) before the step. */
  delayMs: z.number().int().min(0).max(600_000).optional(),
  /** Wait until this many playPrompt operations of the call have finished. */
  afterPrompts: z.number().int().min(0).max(1000).optional(),
};

const scriptStepSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("press"),
    keys: z.string().regex(/^[0-9*#A-D]+$/, "keys must be 0-9, *, # (or A-D)"),
    intervalMs: z.number().int().min(0).max(10_000).optional(),
    ...stepBase,
  }),
  z.object({ type: z.literal("say"), text: z.string().min(1).max(2000), ...stepBase }),
  z.object({ type: z.literal("hangup"), ...stepBase }),
]);

export const behaviourSchema = z.object({
  /** answer: after ringDelayMs; decline/busy: refuse; noAnswer: ring until the timeout; manual: a person (phone page) decides. */
  mode: z.enum(["answer", "decline", "busy", "noAnswer", "manual"]).default("answer"),
  ringDelayMs: z.number().int().min(0).max(600_000).optional(),
  /** What the far end does once connected, in order. */
  script: z.array(scriptStepSchema).max(100).default([]),
});

export type Behaviour = z.infer<typeof behaviourSchema>;

const E164 = /^\+[1-9]\d{6,14}$/;

/** "user:<oid>" or "phone:+E164" from an oid, a UPN, or a phone number. */
export function endpointKeyFrom(raw: string, resolveUser: (idOrUpn: string) => string | undefined): string | undefined {
  const value = raw.trim();
  if (value.startsWith("user:") || value.startsWith("phone:") || value.startsWith("guest:")) return value;
  const compact = value.replace(/[\s()-]/g, "");
  if (E164.test(compact)) return `phone:${compact}`;
  const oid = resolveUser(value);
  return oid ? `user:${oid}` : undefined;
}
