// A zod failure as an edit form shows it: one message key per field. Plain code, safe in client components,
// since the schemas that use it are shared with the forms.
import type { z } from "zod";

/**
 * The first problem per field: the field is the first part of the issue's path that names one of `fields`
 * (so a form nested under `patient` or `type` counts), and its key is the issue's message when that is one of
 * `keys`, else "invalid". Issues on anything else (an id, the version) are left to the caller.
 */
export function firstErrorPerField<Field extends string, Key extends string>(
  error: z.ZodError,
  fields: readonly Field[],
  keys: readonly Key[],
): Partial<Record<Field, Key | "invalid">> {
  const result: Partial<Record<Field, Key | "invalid">> = {};
  for (const issue of error.issues) {
    const field = issue.path.find((part): part is Field => fields.includes(part as Field));
    if (!field || result[field]) continue;
    result[field] = keys.includes(issue.message as Key) ? (issue.message as Key) : "invalid";
  }
  return result;
}
