// Shapes that cross the line between lib/availability and the pages; no database types leak out.
import type { LocalDate, WeeklyHours } from "@/lib/scheduling";
import type { PreviewDay } from "./preview";
import type { ExceptionKind } from "./schema";

export interface ClinicianSummary {
  id: string;
  name: string;
  timeZone: string;
}

export interface ExceptionRecord {
  id: string;
  date: LocalDate;
  kind: ExceptionKind;
  startMinute: number | null;
  endMinute: number | null;
  note: string | null;
}

/** A booked visit that a time off covers: to be moved or cancelled (issue 19). */
export interface AffectedVisit {
  id: string;
  startsAt: Date;
  endsAt: Date;
  patientName: string;
  type: { name: string; nameEn: string | null };
}

export interface AppointmentTypeOption {
  id: string;
  name: string;
  nameEn: string | null;
  durationMinutes: number;
  offered: boolean;
}

/** Everything the editor shows for one clinician. */
export interface AvailabilityEditorData {
  clinician: ClinicianSummary;
  /** today in the clinician's zone */
  today: LocalDate;
  weekly: WeeklyHours[];
  /** from today on, in date order, each time off with the booked visits it covers */
  upcomingExceptions: (ExceptionRecord & { affected: AffectedVisit[] })[];
  appointmentTypes: AppointmentTypeOption[];
  preview: PreviewDay[];
}

/** Weekly form: per ISO weekday ("1" … "7") the rows as typed, "HH:MM" strings. */
export type WeeklyFormValues = Record<string, { start: string; end: string }[]>;

export interface ExceptionFormValues {
  date: string;
  kind: string;
  start: string;
  end: string;
  note: string;
}

/**
 * The answer of an availability form's server action. Messages are already translated;
 * `fieldErrors` maps an input's name to its message. `values` lets the form keep what was typed.
 */
export type AvailabilityFormState<V> =
  | { status: "idle" }
  | { status: "ok"; message: string; values: V }
  | { status: "error"; message: string; fieldErrors: Record<string, string>; values: V };

export type WeeklyFormState = AvailabilityFormState<WeeklyFormValues>;
export type ExceptionFormState = AvailabilityFormState<ExceptionFormValues>;
export type OfferedTypesFormState = AvailabilityFormState<string[]>;
export type TimeZoneFormState = AvailabilityFormState<string>;
/** Deleting has nothing to echo back. */
export type DeleteExceptionState = AvailabilityFormState<null>;
