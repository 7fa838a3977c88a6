// What a name typed into a form must be (a patient's, an appointment type's): trimmed, present, within its
// length, free of control characters and of the hidden text-direction marks that can make a list show
// something other than what is stored, and with at least one letter. Plain zod, safe in client components.
import { z } from "zod";

const CONTROL = /\p{Cc}/u;
const DIRECTION_MARK = /[\u202A-\u202E\u2066-\u2069]/u;
const LETTER = /\p{L}/u;

/** Each issue's message is a key of the form's messages; the first problem found is the one shown. */
export function nameRule(max: number) {
  return z
    .string({ error: "required" })
    .trim()
    .min(1, { error: "required" })
    .max(max, { error: "tooLong" })
    .refine((value) => !CONTROL.test(value), { error: "nameControl" })
    .refine((value) => !DIRECTION_MARK.test(value), { error: "nameBidi" })
    .refine((value) => LETTER.test(value), { error: "nameNoLetter" });
}
