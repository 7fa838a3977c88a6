// JSON columns (Prisma `Json`) are read back through a zod schema, never cast: a row written by an older
// version, or by hand, then fails here with an error that names the table, column and row and what did not
// match — paths and zod's messages only, never the values, which may be a patient's.
import "server-only";
import type { z } from "zod";
import { BrandedError } from "./errors";

export interface StoredJsonPlace {
  /** "IdempotencyRecord.responseBody" */
  column: string;
  /** the row's id (or key), to find it */
  row: string;
}

export class StoredJsonError extends BrandedError {
  static override readonly brand: string = "consulta.StoredJsonError";

  constructor(
    readonly place: StoredJsonPlace,
    readonly problems: string[],
  ) {
    super(`${place.column} of ${place.row} does not match its schema: ${problems.join("; ")}`);
    this.name = "StoredJsonError";
  }
}

/** What did not match, as `path: message` (zod's messages name expectations, not the values found). */
function problemsOf(error: z.ZodError): string[] {
  return error.issues.slice(0, 5).map((issue) => `${issue.path.join(".") || "(value)"}: ${issue.message}`);
}

export function parseStoredJson<S extends z.ZodType>(schema: S, value: unknown, place: StoredJsonPlace): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StoredJsonError(place, problemsOf(parsed.error));
  return parsed.data;
}
