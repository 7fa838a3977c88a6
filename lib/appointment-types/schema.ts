// Rules for appointment types as admins edit them (issue 19), shared by the form, the server actions and the
// mutations. Every issue message is a key under `appointmentTypes.errors` in messages/*.json; limits are in
// TYPE_LIMITS so a message can say them. The booking core (lib/scheduling) reads the same columns.
import { z } from "zod";
import type { TypeFormValues, TypeRecord } from "./types";
import { firstErrorPerField } from "@/lib/form-errors";
import { nameRule } from "@/lib/name-rule";

const TYPE_NAME_MAX = 80;

/** Whole-number fields: their bounds, and the form's name for each. */
export const TYPE_LIMITS = {
  durationMinutes: { min: 5, max: 480 },
  bufferBeforeMinutes: { min: 0, max: 120 },
  bufferAfterMinutes: { min: 0, max: 120 },
  // up to 30 days
  minimumNoticeMinutes: { min: 0, max: 43_200 },
  bookingHorizonDays: { min: 1, max: 730 },
  maxPerDay: { min: 1, max: 100 },
  // up to a week
  cancellationCutoffMinutes: { min: 0, max: 10_080 },
  reminderLeadHours: { min: 1, max: 168 },
  // the no-show rescue call (lib/rescue): 0 = never for this type
  rescueAfterMinutes: { min: 0, max: 120 },
} as const;
export type LimitedField = keyof typeof TYPE_LIMITS;

const typeErrorKeys = [
  "invalid",
  "required",
  "tooLong",
  "nameNoLetter",
  "nameControl",
  "nameBidi",
  "wholeNumber",
  "outOfRange",
  "durationStep",
  "horizonBeforeNotice",
  "idInvalid",
  "versionInvalid",
] as const;
export type TypeErrorKey = (typeof typeErrorKeys)[number];

export const typeFields = [
  "name",
  "nameEn",
  "durationMinutes",
  "bufferBeforeMinutes",
  "bufferAfterMinutes",
  "minimumNoticeMinutes",
  "bookingHorizonDays",
  "maxPerDay",
  "cancellationCutoffMinutes",
  "reminderCall",
  "reminderLeadHours",
  "rescueAfterMinutes",
] as const;
export type TypeField = (typeof typeFields)[number];
export type TypeFieldErrors = Partial<Record<TypeField, TypeErrorKey>>;

const typeName = nameRule(TYPE_NAME_MAX);

const blank = (value: unknown) => value === undefined || value === null || (typeof value === "string" && !value.trim());

/** A whole number typed into a form (or given as a number), within its field's limits. */
function whole(field: LimitedField, options: { optional?: boolean } = {}) {
  const { min, max } = TYPE_LIMITS[field];
  return z.unknown().transform((value, ctx): number | null => {
    if (blank(value)) {
      if (options.optional) return null;
      ctx.addIssue({ code: "custom", message: "required" });
      return z.NEVER;
    }
    const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
    if (!/^\d{1,7}$/.test(text)) {
      ctx.addIssue({ code: "custom", message: "wholeNumber" });
      return z.NEVER;
    }
    const number = Number(text);
    if (number < min || number > max) {
      ctx.addIssue({ code: "custom", message: "outOfRange" });
      return z.NEVER;
    }
    return number;
  });
}

const checkbox = z.unknown().transform((value) => value === true || value === "yes" || value === "on");

/**
 * The form as an admin fills it. A reminder call is placed only when `reminderCall` is ticked, the lead time
 * in hours then required; slots fall on a 15-minute grid, so durations go in steps of 5 minutes; and a
 * booking window that closes before the minimum notice has passed would offer no time at all.
 */
export const typeFormSchema = z
  .object({
    name: typeName,
    nameEn: typeName,
    durationMinutes: whole("durationMinutes"),
    bufferBeforeMinutes: whole("bufferBeforeMinutes"),
    bufferAfterMinutes: whole("bufferAfterMinutes"),
    minimumNoticeMinutes: whole("minimumNoticeMinutes"),
    bookingHorizonDays: whole("bookingHorizonDays"),
    maxPerDay: whole("maxPerDay", { optional: true }),
    cancellationCutoffMinutes: whole("cancellationCutoffMinutes"),
    reminderCall: checkbox,
    reminderLeadHours: whole("reminderLeadHours", { optional: true }),
    // left out by callers from before it existed: the clinic's setting
    rescueAfterMinutes: whole("rescueAfterMinutes", { optional: true }).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.durationMinutes !== null && value.durationMinutes % 5 !== 0)
      ctx.addIssue({ code: "custom", message: "durationStep", path: ["durationMinutes"] });
    if (
      value.minimumNoticeMinutes !== null &&
      value.bookingHorizonDays !== null &&
      value.bookingHorizonDays * 24 * 60 <= value.minimumNoticeMinutes
    )
      ctx.addIssue({ code: "custom", message: "horizonBeforeNotice", path: ["bookingHorizonDays"] });
    if (value.reminderCall && value.reminderLeadHours === null)
      ctx.addIssue({ code: "custom", message: "required", path: ["reminderLeadHours"] });
  })
  .transform((value) => ({
    name: value.name,
    nameEn: value.nameEn,
    durationMinutes: value.durationMinutes!,
    bufferBeforeMinutes: value.bufferBeforeMinutes!,
    bufferAfterMinutes: value.bufferAfterMinutes!,
    minimumNoticeMinutes: value.minimumNoticeMinutes!,
    bookingHorizonDays: value.bookingHorizonDays!,
    maxPerDay: value.maxPerDay,
    cancellationCutoffMinutes: value.cancellationCutoffMinutes!,
    // the column the reminder service reads: null = no reminder call for this type
    reminderLeadMinutes: value.reminderCall ? value.reminderLeadHours! * 60 : null,
    // null = the clinic's RESCUE_AFTER_MINUTES
    rescueAfterMinutes: value.rescueAfterMinutes ?? null,
  }));

export type TypeFormInput = z.input<typeof typeFormSchema>;
export type TypeData = z.output<typeof typeFormSchema>;

export const typeIdSchema = z.uuid({ error: "idInvalid" });

export const typeUpdateSchema = z.object({
  id: typeIdSchema,
  type: typeFormSchema,
  expectedUpdatedAt: z.iso.datetime({ error: "versionInvalid" }),
});
export type TypeUpdateInput = z.input<typeof typeUpdateSchema>;

/** The first problem per field, as a message key (lib/form-errors.ts). */
export function typeFieldErrors(error: z.ZodError): TypeFieldErrors {
  return firstErrorPerField(error, typeFields, typeErrorKeys);
}

/** A type's name in the page's language: English when asked for and given, else the clinic's own. */
export function localizedTypeName(type: { name: string; nameEn?: string | null }, locale: string): string {
  return locale === "en" && type.nameEn ? type.nameEn : type.name;
}

/** A stable key for a new type, from its English name: "Nutrition follow-up" → "nutrition-follow-up". */
export function slugFrom(name: string): string {
  const slug = name
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return slug || "type";
}

/** The saved type as the form shows it (the lead time in hours, as typed). */
export function formValuesOf(type: TypeRecord): TypeFormValues {
  return {
    name: type.name,
    nameEn: type.nameEn ?? "",
    durationMinutes: String(type.durationMinutes),
    bufferBeforeMinutes: String(type.bufferBeforeMinutes),
    bufferAfterMinutes: String(type.bufferAfterMinutes),
    minimumNoticeMinutes: String(type.minimumNoticeMinutes),
    bookingHorizonDays: String(type.bookingHorizonDays),
    maxPerDay: type.maxPerDay === null ? "" : String(type.maxPerDay),
    cancellationCutoffMinutes: String(type.cancellationCutoffMinutes),
    reminderCall: type.reminderLeadMinutes === null ? "" : "yes",
    reminderLeadHours: type.reminderLeadMinutes === null ? "" : String(Math.round(type.reminderLeadMinutes / 60)),
    rescueAfterMinutes: type.rescueAfterMinutes === null ? "" : String(type.rescueAfterMinutes),
  };
}
