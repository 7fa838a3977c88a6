// Input rules for patients, shared by the forms, the server actions and the mutations. Every issue
// message is a stable key under `patients.errors` in messages/*.json, so the same rule speaks both
// languages and non-UI callers still get a readable code.
import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode } from "libphonenumber-js/max";
import { z } from "zod";
import { locales } from "@/lib/i18n/locales";
import { isValidLocalDate } from "@/lib/scheduling";
import { firstErrorPerField } from "@/lib/form-errors";
import { nameRule } from "@/lib/name-rule";

const DEFAULT_PHONE_COUNTRY: CountryCode = "BR";
export const DEFAULT_PATIENT_LOCALE = "pt-BR";
export const DEFAULT_PATIENT_TIME_ZONE = "America/Sao_Paulo";

const NAME_MAX = 100;
const EMAIL_MAX = 254;
export const QUERY_MAX = 100;
const SEARCH_TAKE_MAX = 50;
export const SEARCH_TAKE_DEFAULT = 20;

export const patientErrorKeys = [
  "invalid",
  "required",
  "tooLong",
  "emailInvalid",
  "phoneInvalid",
  "phoneTooShort",
  "phoneTooLong",
  "phoneInvalidCountry",
  "localeInvalid",
  "timeZoneInvalid",
  "idInvalid",
  "versionInvalid",
  "nameNoLetter",
  "nameControl",
  "nameBidi",
  "birthDateInvalid",
  "birthDateFuture",
] as const;
export type PatientErrorKey = (typeof patientErrorKeys)[number];

export type PhoneResult = { ok: true; e164: string } | { ok: false; error: PatientErrorKey };

/**
 * Any way a person writes a phone number → E.164. Numbers without a country code are read as
 * Brazilian (the clinic's country); "+", or "55" in front of a full Brazilian number, are understood.
 * The "max" metadata checks real numbering plans, not just lengths, so typos are caught at the desk.
 */
export function normalisePhone(input: string, defaultCountry: CountryCode = DEFAULT_PHONE_COUNTRY): PhoneResult {
  const text = input.trim();
  const parsed = parsePhoneNumberFromString(text, { defaultCountry });
  if (parsed?.isValid() && !parsed.ext) return { ok: true, e164: parsed.number };
  switch (validatePhoneNumberLength(text, defaultCountry)) {
    case "TOO_SHORT":
      return { ok: false, error: "phoneTooShort" };
    case "TOO_LONG":
      return { ok: false, error: "phoneTooLong" };
    case "INVALID_COUNTRY":
      return { ok: false, error: "phoneInvalidCountry" };
    default:
      return { ok: false, error: "phoneInvalid" };
  }
}

/** Readable international form for the record page, e.g. "+55 11 98765 4321". */
export function formatPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

// Intl accepts some things that are not zone names (offsets such as "+01:00" in newer runtimes), so
// a name must also look like one. The runtime's canonical spelling is stored ("us/eastern" →
// "America/New_York"), which also makes normalising twice a no-op.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

export function canonicalTimeZone(name: string): string | null {
  const text = name.trim();
  if (!ZONE_NAME.test(text)) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Zone names for the form's suggestions; the schema also accepts their aliases. */
export function timeZoneOptions(): string[] {
  const zones = new Set(Intl.supportedValuesOf("timeZone"));
  zones.add("UTC");
  return [...zones].sort();
}

// Form fields arrive as strings; an empty optional field means "none".
const emptyToNull = (value: unknown) => (typeof value === "string" && value.trim() === "" ? null : value);

// names are shown on every screen and read out to staff: lib/name-rule.ts says what one must be
const name = nameRule(NAME_MAX);

const email = z.preprocess(
  emptyToNull,
  z
    .string()
    .trim()
    .max(EMAIL_MAX, { error: "tooLong" })
    .pipe(z.email({ error: "emailInvalid" }))
    // the domain part is case-insensitive; lowercasing all of it is what people expect in practice
    .transform((value) => value.toLowerCase())
    .nullable()
    .default(null),
);

const phone = z.preprocess(
  emptyToNull,
  z
    .string()
    .transform((value, ctx) => {
      const result = normalisePhone(value);
      if (result.ok) return result.e164;
      ctx.addIssue({ code: "custom", message: result.error });
      return z.NEVER;
    })
    .nullable()
    .default(null),
);

const locale = z.preprocess(emptyToNull, z.enum(locales, { error: "localeInvalid" }).nullable().default(null));

const timeZone = z.preprocess(
  emptyToNull,
  z
    .string()
    .transform((value, ctx) => {
      const canonical = canonicalTimeZone(value);
      if (canonical) return canonical;
      ctx.addIssue({ code: "custom", message: "timeZoneInvalid" });
      return z.NEVER;
    })
    .nullable()
    .default(null),
);

// The oldest birth date the desk can type: a person born before it would be over 125.
const FIRST_BIRTH_DATE = "1900-01-01";

/** Today's date where the day starts first (UTC+14), so no one born "today" anywhere is refused. */
function latestBirthDate(): string {
  return new Date(Date.now() + 14 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

// A calendar date without a zone ('YYYY-MM-DD', what <input type="date"> posts): a real day, not in the future.
const birthDate = z.preprocess(
  emptyToNull,
  z
    .string()
    .trim()
    .refine((value) => isValidLocalDate(value) && value >= FIRST_BIRTH_DATE, { error: "birthDateInvalid", abort: true })
    .refine((value) => value <= latestBirthDate(), { error: "birthDateFuture" })
    .nullable()
    .default(null),
);

export const patientCreateSchema = z
  .object({
    firstName: name,
    lastName: name,
    email,
    phone,
    locale,
    timeZone,
    birthDate,
  })
  .transform((input) => ({
    ...input,
    locale: input.locale ?? DEFAULT_PATIENT_LOCALE,
    timeZone: input.timeZone ?? DEFAULT_PATIENT_TIME_ZONE,
  }));

export const patientIdSchema = z.uuid({ error: "idInvalid" });

// The edit form replaces every editable field. `expectedUpdatedAt` is the version the person was
// looking at; when it is given and the record changed since, the update is refused, not merged.
export const patientUpdateSchema = z.object({
  id: patientIdSchema,
  patient: patientCreateSchema,
  expectedUpdatedAt: z.preprocess(emptyToNull, z.iso.datetime({ error: "versionInvalid" }).nullable().default(null)),
});

// A search comes from a query string anyone can write. Control characters never help a search, and a
// NUL reached PostgreSQL, which cannot hold one in text (SQLSTATE 22021, a 500): they read as spaces.
const searchText = (value: unknown) => {
  const text = Array.isArray(value) ? value[0] : (value ?? "");
  return typeof text === "string" ? text.replace(/\p{Cc}+/gu, " ") : text;
};

export const patientSearchSchema = z.object({
  query: z.preprocess(searchText, z.string().trim().max(QUERY_MAX, { error: "tooLong" })),
  take: z.coerce.number().int().min(1).max(SEARCH_TAKE_MAX).default(SEARCH_TAKE_DEFAULT),
});

export type PatientCreateInput = z.input<typeof patientCreateSchema>;
export type PatientData = z.output<typeof patientCreateSchema>;
export type PatientUpdateInput = z.input<typeof patientUpdateSchema>;
export type PatientSearchInput = z.input<typeof patientSearchSchema>;

export const patientFields = ["firstName", "lastName", "email", "phone", "locale", "timeZone", "birthDate"] as const;
export type PatientField = (typeof patientFields)[number];
export type PatientFieldErrors = Partial<Record<PatientField, PatientErrorKey>>;

/** The first problem per field, as a message key (lib/form-errors.ts). */
export function patientFieldErrors(error: z.ZodError): PatientFieldErrors {
  return firstErrorPerField(error, patientFields, patientErrorKeys);
}

// --- likely duplicates ------------------------------------------------------------------------------

/**
 * A name as the desk compares it: first and last name together, with case, accents and spaces folded, so
 * "José  da Silva", "JOSE DA SILVA" and "Jose" + "da Silva" are the same person's name.
 */
export function nameKey(firstName: string, lastName: string): string {
  return `${firstName}${lastName}`
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLocaleLowerCase("en-US")
    .replace(/[\s\p{Cf}]+/gu, "");
}

export type DuplicateReason = "phone" | "nameAndBirthDate";

export interface DuplicateFacts {
  firstName: string;
  lastName: string;
  /** E.164 */
  phone: string | null;
  /** 'YYYY-MM-DD' */
  birthDate: string | null;
}

/**
 * Why `existing` is likely the same person as `candidate`: the same phone number, or the same folded name
 * and the same birth date. Empty when neither: a shared name alone is common, a shared birthday too.
 */
export function duplicateReasons(candidate: DuplicateFacts, existing: DuplicateFacts): DuplicateReason[] {
  const reasons: DuplicateReason[] = [];
  if (candidate.phone && candidate.phone === existing.phone) reasons.push("phone");
  if (
    candidate.birthDate &&
    candidate.birthDate === existing.birthDate &&
    nameKey(candidate.firstName, candidate.lastName) === nameKey(existing.firstName, existing.lastName)
  )
    reasons.push("nameAndBirthDate");
  return reasons;
}

/** Merging two records: which one stays; the other's appointments move to it and it is deleted. */
export const patientMergeSchema = z
  .object({
    keepId: patientIdSchema,
    mergeId: patientIdSchema,
    confirm: z.literal("yes", { error: "mergeConfirm" }),
  })
  .refine((value) => value.keepId !== value.mergeId, { error: "mergeSame", path: ["mergeId"] });
/** What a form posts: the schema decides whether it is a confirmed merge of two different records. */
export type PatientMergeInput = { keepId: string; mergeId: string; confirm: string };
