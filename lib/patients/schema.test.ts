import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalTimeZone,
  duplicateReasons,
  nameKey,
  normalisePhone,
  patientCreateSchema,
  patientErrorKeys,
  patientFieldErrors,
  patientMergeSchema,
  patientSearchSchema,
  patientUpdateSchema,
} from "./schema";

const e164 = (input: string) => {
  const result = normalisePhone(input);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to be valid, got ${result.error}`);
  return result.e164;
};

describe("normalisePhone", () => {
  it.each([
    "(11) 98765-4321",
    "11 98765-4321",
    "11987654321",
    "11 9 8765 4321",
    "011 98765-4321",
    "0 11 98765 4321",
    "+55 11 98765-4321",
    "+55 (11) 98765-4321",
    "55 11 98765 4321",
    "5511987654321",
    "+5511987654321",
    "  (11) 98765.4321  ",
    "tel:+5511987654321",
  ])("reads the Brazilian mobile %j as +5511987654321", (input) => {
    expect(e164(input)).toBe("+5511987654321");
  });

  it.each([
    ["(11) 3333-4444", "+551133334444"],
    ["21 2555-1234", "+552125551234"],
    ["+55 21 2555-1234", "+552125551234"],
    ["(61) 3411-1000", "+556134111000"],
  ])("reads the Brazilian landline %j", (input, expected) => {
    expect(e164(input)).toBe(expected);
  });

  it.each([
    ["+1 (415) 555-2671", "+14155552671"],
    ["+1 212-555-2368", "+12125552368"],
    ["+351 912 345 678", "+351912345678"],
    ["+351 21 234 5678", "+351212345678"],
  ])("reads the foreign number %j when it starts with +", (input, expected) => {
    expect(e164(input)).toBe(expected);
  });

  it("reads a number without + as Brazilian (the clinic's country)", () => {
    // the same digits as a US number, but area code 41 is Curitiba
    expect(e164("415 555 2671")).toBe("+554155552671");
  });

  it.each([
    ["123", "phoneTooShort"],
    ["+55 11 9876", "phoneTooShort"],
    ["(11) 99999-99999", "phoneTooLong"],
    ["+999 1234 5678", "phoneInvalidCountry"],
    ["abc", "phoneInvalid"],
    ["call me", "phoneInvalid"],
    ["", "phoneInvalid"],
    // eight-digit mobiles lost their place when Brazil added the leading 9
    ["11 8765-4321", "phoneInvalid"],
    ["+55 11 98765-4321 ramal 12", "phoneInvalid"],
  ])("refuses %j with %s", (input, error) => {
    expect(normalisePhone(input)).toEqual({ ok: false, error });
  });

  const areaCodes = ["11", "21", "31", "41", "51", "61", "71", "81", "85", "92"];
  const brMobile = fc.record({
    area: fc.constantFrom(...areaCodes),
    // Brazilian mobiles: 9 followed by a digit 6–9 in practice, then seven digits
    head: fc.integer({ min: 6, max: 9 }),
    rest: fc.stringMatching(/^\d{7}$/),
  });
  const layout = fc.constantFrom(
    ({ area, n }: { area: string; n: string }) => `(${area}) ${n.slice(0, 5)}-${n.slice(5)}`,
    ({ area, n }: { area: string; n: string }) => `${area}${n}`,
    ({ area, n }: { area: string; n: string }) => `0${area} ${n.slice(0, 5)} ${n.slice(5)}`,
    ({ area, n }: { area: string; n: string }) => `+55 ${area} ${n}`,
    ({ area, n }: { area: string; n: string }) => `55${area}${n}`,
    ({ area, n }: { area: string; n: string }) => `+55 (${area}) ${n.slice(0, 1)} ${n.slice(1, 5)}.${n.slice(5)}`,
  );

  it("reads every layout of a Brazilian mobile as the same E.164 number", () => {
    fc.assert(
      fc.property(brMobile, layout, ({ area, head, rest }, format) => {
        const n = `9${head}${rest}`;
        expect(normalisePhone(format({ area, n }))).toEqual({ ok: true, e164: `+55${area}${n}` });
      }),
    );
  });

  it("is stable: normalising a normalised number gives it back unchanged", () => {
    const phoneLike = fc.oneof(
      fc.stringMatching(/^\+?[\d ()\-.]{0,20}$/),
      brMobile.map(({ area, head, rest }) => `(${area}) 9${head}${rest}`),
      fc.string(),
    );
    fc.assert(
      fc.property(phoneLike, (input) => {
        const once = normalisePhone(input);
        if (!once.ok) return;
        expect(normalisePhone(once.e164)).toEqual(once);
      }),
      { numRuns: 500 },
    );
  });
});

describe("canonicalTimeZone", () => {
  it.each([
    ["America/Sao_Paulo", "America/Sao_Paulo"],
    ["america/sao_paulo", "America/Sao_Paulo"],
    ["Europe/Lisbon", "Europe/Lisbon"],
    ["US/Eastern", "America/New_York"],
    ["UTC", "UTC"],
  ])("accepts %j as %j", (input, expected) => {
    expect(canonicalTimeZone(input)).toBe(expected);
  });

  it.each(["", "Nowhere/City", "+01:00", "-03:00", "São Paulo"])("refuses %j", (input) => {
    expect(canonicalTimeZone(input)).toBeNull();
  });
});

describe("patientCreateSchema", () => {
  it("normalises a filled-in form", () => {
    const parsed = patientCreateSchema.parse({
      firstName: "  Ana Maria ",
      lastName: "Souza",
      email: " Ana.Souza@Example.COM ",
      phone: "(11) 98765-4321",
      locale: "en",
      timeZone: "europe/lisbon",
    });
    expect(parsed).toEqual({
      firstName: "Ana Maria",
      lastName: "Souza",
      email: "ana.souza@example.com",
      phone: "+5511987654321",
      locale: "en",
      timeZone: "Europe/Lisbon",
      birthDate: null,
    });
    // the mutations parse again what the actions parsed: that must change nothing
    expect(patientCreateSchema.parse(parsed)).toEqual(parsed);
  });

  it("treats empty optional fields as absent and fills the clinic defaults", () => {
    expect(
      patientCreateSchema.parse({
        firstName: "João",
        lastName: "Silva",
        email: "",
        phone: " ",
        locale: "",
        timeZone: "",
      }),
    ).toEqual({
      firstName: "João",
      lastName: "Silva",
      email: null,
      phone: null,
      locale: "pt-BR",
      timeZone: "America/Sao_Paulo",
      birthDate: null,
    });
  });

  it("reports one message key per field", () => {
    const result = patientCreateSchema.safeParse({
      firstName: " ",
      lastName: "x".repeat(101),
      email: "not-an-email",
      phone: "123",
      locale: "fr",
      timeZone: "Mars/Olympus",
    });
    expect(result.success).toBe(false);
    expect(patientFieldErrors(result.error!)).toEqual({
      firstName: "required",
      lastName: "tooLong",
      email: "emailInvalid",
      phone: "phoneTooShort",
      locale: "localeInvalid",
      timeZone: "timeZoneInvalid",
    });
  });

  it("refuses names with nothing visible, control characters or text-direction overrides", () => {
    const errorsFor = (firstName: string) =>
      patientFieldErrors(patientCreateSchema.safeParse({ firstName, lastName: "Souza" }).error!).firstName;
    expect(errorsFor("\u200b\u200c\u200d")).toBe("nameNoLetter");
    expect(errorsFor("\u2060\ufeff\u200b")).toBe("nameNoLetter");
    expect(errorsFor("--- ...")).toBe("nameNoLetter");
    expect(errorsFor("\u0001\u0002")).toBe("nameControl");
    expect(errorsFor("Ana\nMaria")).toBe("nameControl");
    expect(errorsFor("Ana\u202Eoiréb")).toBe("nameBidi");
    expect(errorsFor("\u2067Ana\u2069")).toBe("nameBidi");
    // real names in any script, with the joiners some scripts need, still pass
    for (const ok of ["Ana-Lúcia", "O'Brien", "Nguyễn", "محمد", "नमस्ते", "می\u200cخواهم", "李"]) {
      expect(patientCreateSchema.safeParse({ firstName: ok, lastName: "Souza" }).success, ok).toBe(true);
    }
  });

  it("says 'required' for missing names", () => {
    const result = patientCreateSchema.safeParse({});
    expect(patientFieldErrors(result.error!)).toEqual({ firstName: "required", lastName: "required" });
  });
});

describe("patientUpdateSchema", () => {
  it("finds field errors nested under patient", () => {
    const result = patientUpdateSchema.safeParse({
      id: "0b7f5c1e-8f0a-4d57-9a3c-3f1b2d4e5a6b",
      patient: { firstName: "Ana", lastName: "Souza", phone: "abc" },
    });
    expect(patientFieldErrors(result.error!)).toEqual({ phone: "phoneInvalid" });
  });

  it("refuses a malformed id or version", () => {
    const result = patientUpdateSchema.safeParse({
      id: "42",
      patient: { firstName: "Ana", lastName: "Souza" },
      expectedUpdatedAt: "yesterday",
    });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(["idInvalid", "versionInvalid"]);
  });
});

describe("patientSearchSchema", () => {
  it("trims, takes the first of repeated ?q= and bounds take", () => {
    expect(patientSearchSchema.parse({ query: ["  ana ", "x"] })).toEqual({ query: "ana", take: 20 });
    expect(patientSearchSchema.parse({})).toEqual({ query: "", take: 20 });
    expect(patientSearchSchema.safeParse({ query: "a", take: 51 }).success).toBe(false);
    expect(patientSearchSchema.safeParse({ query: "a".repeat(101) }).success).toBe(false);
  });
});

describe("messages", () => {
  it("has every error key, in both languages, with the same patients keys", async () => {
    const en = (await import("@/messages/en.json")).default.patients;
    const pt = (await import("@/messages/pt-BR.json")).default.patients;
    const keys = (value: object, prefix = ""): string[] =>
      Object.entries(value).flatMap(([key, inner]) =>
        typeof inner === "object" && inner ? keys(inner, `${prefix}${key}.`) : [`${prefix}${key}`],
      );
    expect(keys(pt)).toEqual(keys(en));
    for (const key of patientErrorKeys) expect(en.errors).toHaveProperty(key);
  });
});

describe("birth date", () => {
  const base = { firstName: "Ana", lastName: "Souza" };
  it("is optional, and stored as the calendar date typed", () => {
    expect(patientCreateSchema.parse(base).birthDate).toBeNull();
    expect(patientCreateSchema.parse({ ...base, birthDate: "" }).birthDate).toBeNull();
    expect(patientCreateSchema.parse({ ...base, birthDate: " 1984-02-29 " }).birthDate).toBe("1984-02-29");
  });

  it.each([
    ["1983-02-29", "birthDateInvalid"],
    ["1899-12-31", "birthDateInvalid"],
    ["29/02/1984", "birthDateInvalid"],
    ["2026-13-01", "birthDateInvalid"],
    ["9999-01-01", "birthDateFuture"],
  ])("refuses %j with %s", (birthDate, error) => {
    const result = patientCreateSchema.safeParse({ ...base, birthDate });
    expect(patientFieldErrors(result.error!)).toEqual({ birthDate: error });
  });
});

describe("likely duplicates", () => {
  const maria = { firstName: "Maria José", lastName: "da Silva", phone: "+5511987650001", birthDate: "1980-05-04" };

  it("folds case, accents and spaces in names, and where the first name ends", () => {
    expect(nameKey("Maria José", "da Silva")).toBe(nameKey("MARIA JOSE", "DA  SILVA"));
    expect(nameKey("Maria José", "da Silva")).toBe(nameKey("Maria", "José da Silva"));
    expect(nameKey("Conceição", "Araújo")).toBe("conceicaoaraujo");
    expect(nameKey("Ana", "Souza")).not.toBe(nameKey("Ana", "Sousa"));
  });

  it("finds the same phone number, or the same name and birth date", () => {
    expect(duplicateReasons(maria, { ...maria, firstName: "Outra", lastName: "Pessoa", birthDate: null })).toEqual([
      "phone",
    ]);
    expect(
      duplicateReasons(maria, { firstName: "MARIA JOSE", lastName: "DA SILVA", phone: null, birthDate: "1980-05-04" }),
    ).toEqual(["nameAndBirthDate"]);
    expect(duplicateReasons(maria, { ...maria, firstName: "Maria", lastName: "José da Silva" })).toEqual([
      "phone",
      "nameAndBirthDate",
    ]);
  });

  it("does not take a shared name, a shared birthday or two missing values for the same person", () => {
    expect(duplicateReasons(maria, { ...maria, phone: "+5511987650002", birthDate: "1980-05-05" })).toEqual([]);
    expect(duplicateReasons(maria, { ...maria, firstName: "Joana", phone: null })).toEqual([]);
    const unknown = { firstName: "Ana", lastName: "Souza", phone: null, birthDate: null };
    expect(duplicateReasons(unknown, unknown)).toEqual([]);
  });
});

describe("patientMergeSchema", () => {
  const a = "0b7f5c1e-8f0a-4d57-9a3c-3f1b2d4e5a6b";
  const b = "1c8f5c1e-8f0a-4d57-9a3c-3f1b2d4e5a6b";
  it("needs two different records and the confirmation", () => {
    expect(patientMergeSchema.safeParse({ keepId: a, mergeId: b, confirm: "yes" }).success).toBe(true);
    expect(patientMergeSchema.safeParse({ keepId: a, mergeId: a, confirm: "yes" }).error?.issues[0]?.message).toBe(
      "mergeSame",
    );
    expect(patientMergeSchema.safeParse({ keepId: a, mergeId: b, confirm: "" }).error?.issues[0]?.message).toBe(
      "mergeConfirm",
    );
    expect(patientMergeSchema.safeParse({ keepId: "42", mergeId: b, confirm: "yes" }).error?.issues[0]?.message).toBe(
      "idInvalid",
    );
  });
});
