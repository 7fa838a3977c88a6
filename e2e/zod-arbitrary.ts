// Form-field values for fast-check, derived from a zod schema: mostly values of the shape the schema
// describes (so a call gets past parsing and reaches the code behind it), mixed with hostile ones. Form
// posts carry text only, so every value is a string. Reads zod 4's public definition objects (`_zod.def`).
import fc from "fast-check";
import type { z } from "zod";

interface Def {
  type: string;
  format?: string;
  pattern?: RegExp;
  checks?: {
    _zod: { def: { check: string; minimum?: number; maximum?: number; format?: string; pattern?: RegExp } };
  }[];
  values?: unknown[];
  entries?: Record<string, unknown>;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

export const hostile: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.constantFrom(
    "",
    " ",
    "__proto__",
    "constructor",
    "null",
    "undefined",
    "NaN",
    "-1",
    "1e309",
    "9999-99-99",
    "2020-02-30T25:61",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\u0000",
    "\ud800",
    "../../etc/passwd",
    "x".repeat(5000),
  ),
);

const isoInstant = fc
  .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString());

function stringArbitrary(def: Def): fc.Arbitrary<string> {
  let minLength = 0;
  let maxLength = 40;
  let format = def.format;
  let pattern = def.pattern;
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check === "min_length" && c.minimum !== undefined) minLength = c.minimum;
    if (c.check === "max_length" && c.maximum !== undefined) maxLength = Math.min(c.maximum, 300);
    if (c.check === "string_format") {
      format = c.format ?? format;
      pattern = c.pattern ?? pattern;
    }
  }
  switch (format) {
    case "uuid":
    case "guid":
      return fc.uuid();
    case "datetime":
      return isoInstant;
    case "date":
      return isoInstant.map((s) => s.slice(0, 10));
    case "email":
      return fc.emailAddress();
    case "url":
      return fc.webUrl();
    case "regex":
      return pattern ? fc.stringMatching(pattern).filter((s) => s.length <= 500) : fc.string({ maxLength });
  }
  if (pattern) return fc.stringMatching(pattern).filter((s) => s.length <= 500);
  return fc.string({ minLength, maxLength: Math.max(minLength, maxLength) });
}

/** An arbitrary of text a form could post for `schema`. */
export function fieldArbitrary(schema: z.ZodType): fc.Arbitrary<string> {
  const def = defOf(schema);
  switch (def.type) {
    case "string":
      return stringArbitrary(def);
    case "number":
    case "int":
    case "bigint":
      return fc.oneof(fc.integer({ min: -10, max: 2000 }), fc.double()).map(String);
    case "boolean":
      return fc.constantFrom("true", "false", "on");
    case "literal":
      return fc.constantFrom(...(def.values ?? [""]).map(String));
    case "enum":
      return fc.constantFrom(...Object.values(def.entries ?? { x: "" }).map(String));
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "nonoptional":
      return fc.oneof(fieldArbitrary(def.innerType!), fc.constant(""));
    case "pipe":
      // a preprocess or transform in front: the input side decides what is posted
      return defOf(def.in!).type === "transform" ? fieldArbitrary(def.out!) : fieldArbitrary(def.in!);
    case "union":
      return fc.oneof(...(def.options ?? []).map(fieldArbitrary));
    default:
      return hostile;
  }
}

/** Posted fields for an object schema: each field shaped by its schema about 3 times in 4, else hostile or missing. */
export function formArbitrary(
  schema: z.ZodType,
  overrides: Record<string, fc.Arbitrary<string>> = {},
): fc.Arbitrary<Record<string, string>> {
  let def = defOf(schema);
  // .transform()/.check() on an object: the object is the pipe's input
  while (def.type === "pipe") def = defOf(def.in!);
  const shape = def.shape ?? {};
  const fields = Object.fromEntries(
    [...new Set([...Object.keys(shape), ...Object.keys(overrides)])].map((key) => {
      const shaped = overrides[key] ?? fieldArbitrary(shape[key]!);
      return [
        key,
        fc.option(fc.oneof({ arbitrary: shaped, weight: 3 }, { arbitrary: hostile, weight: 1 }), { freq: 8 }),
      ];
    }),
  );
  return fc
    .record(fields)
    .map((record) =>
      Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== null)),
    );
}
