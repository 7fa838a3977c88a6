// Input rules for an admin's prompt text. Issue messages are keys under `promptAdmin.errors` in
// messages/*.json. The text is spoken to callers as it is: one line, no control characters, short enough
// for a phone menu (the longest default is about 250 characters).
import "server-only";
import { z } from "zod";
import { PROMPT_KEYS, PROMPT_LOCALES } from "./texts";

export const PROMPT_TEXT_MAX = 600;

const promptErrorKeys = ["required", "tooLong", "invalidCharacters", "unknownPrompt", "versionInvalid"] as const;
export type PromptErrorKey = (typeof promptErrorKeys)[number];

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const text = z
  .string({ error: "required" })
  // line breaks and runs of spaces mean nothing to the synthesizer; one line is what the form shows back
  .transform((value) => value.replace(/[\t\n\r ]+/g, " ").trim())
  .pipe(
    z
      .string()
      .min(1, { error: "required" })
      .max(PROMPT_TEXT_MAX, { error: "tooLong" })
      .refine((value) => !CONTROL.test(value) && !LONE_SURROGATE.test(value), { error: "invalidCharacters" }),
  );

/** "" = the form was showing the built-in text (no override); else the override's updatedAt. */
const expectedUpdatedAt = z.union([z.literal(""), z.iso.datetime({ error: "versionInvalid" })], {
  error: "versionInvalid",
});

const prompt = {
  locale: z.enum(PROMPT_LOCALES, { error: "unknownPrompt" }),
  key: z.enum(PROMPT_KEYS, { error: "unknownPrompt" }),
  expectedUpdatedAt,
};

export const promptSaveSchema = z.object({ ...prompt, text });
export const promptResetSchema = z.object(prompt);
/** As a form sends it: strings, checked by the schema. */
export interface PromptResetInput {
  locale: string;
  key: string;
  expectedUpdatedAt: string;
}
export interface PromptSaveInput extends PromptResetInput {
  text: string;
}

/** The first issue's key, for the one message a prompt form shows. */
export function promptErrorOf(error: z.ZodError): PromptErrorKey {
  const message = error.issues[0]?.message;
  return (promptErrorKeys as readonly string[]).includes(message ?? "") ? (message as PromptErrorKey) : "required";
}
