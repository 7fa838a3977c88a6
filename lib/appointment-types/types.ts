// Shapes that cross the line between lib/appointment-types and the pages; no database types leak out.
import type { AppointmentTypeRules } from "@/lib/scheduling";
import type { TypeField } from "./schema";

/** A type as the admin list and form show it: its booking rules (lib/scheduling's), names and state. */
export interface TypeRecord extends AppointmentTypeRules {
  id: string;
  slug: string;
  name: string;
  nameEn: string | null;
  reminderLeadMinutes: number | null;
  /** minutes after the start for a no-show rescue call; null = the clinic's, 0 = never */
  rescueAfterMinutes: number | null;
  active: boolean;
  updatedAt: Date;
}

export interface TypeListEntry extends TypeRecord {
  /** appointments of any status: a type with any is retired, never deleted */
  appointmentCount: number;
  /** clinicians who offer it */
  clinicianCount: number;
}

/** What the form's inputs show: the text typed, or the saved values. */
export type TypeFormValues = Record<TypeField, string>;

export type TypeFormState =
  | { status: "idle" }
  | { status: "ok"; message: string; values: TypeFormValues; updatedAt: string }
  | { status: "error"; message: string; fieldErrors: Partial<Record<TypeField, string>>; values: TypeFormValues };

/** Retire, reinstate or remove: a message, and where the list stands. */
export type TypeStatusState = { status: "idle" } | { status: "ok" | "error"; message: string };
