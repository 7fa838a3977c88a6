// Shapes that cross the line between lib/patients and the pages; no database types leak out.
import type { DuplicateReason, PatientField } from "./schema";

/** One row of the search results: enough to pick the right person, with the phone already masked. */
export interface PatientSummary {
  id: string;
  firstName: string;
  lastName: string;
  phoneMasked: string | null;
  locale: string;
  /** 'YYYY-MM-DD' */
  birthDate: string | null;
  /** the earliest live appointment that has not ended yet */
  nextAppointment: { startsAt: Date; clinicianName: string } | null;
}

/** An existing record that looks like the person being registered, and why. */
export interface PatientDuplicate {
  id: string;
  firstName: string;
  lastName: string;
  phoneMasked: string | null;
  birthDate: string | null;
  reasons: DuplicateReason[];
}

export interface PatientRecord {
  id: string;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  locale: string;
  timeZone: string;
  /** 'YYYY-MM-DD' */
  birthDate: string | null;
  updatedAt: Date;
}

/** What the form shows in its inputs: the raw strings the person typed, or the saved values. */
export type PatientFormValues = Record<PatientField, string>;

/**
 * The answer of a patient form's server action. Messages are already translated; `fieldErrors`
 * maps each field to its message. `values` lets the form keep what was typed when React resets it.
 */
export type PatientFormState =
  | { status: "idle" }
  | { status: "ok"; ok: true; message: string; values: PatientFormValues; updatedAt: string }
  /** nothing saved yet: records that look like the same person, offered before a new one is made */
  | { status: "duplicates"; ok: false; message: string; duplicates: PatientDuplicate[]; values: PatientFormValues }
  | {
      status: "error";
      ok: false;
      message: string;
      fieldErrors: Partial<Record<PatientField, string>>;
      values: PatientFormValues;
    };

export type { PatientField };
