// Plain inputs and outputs of the scheduling domain. They mirror prisma/schema.prisma but are declared
// here on purpose: lib/scheduling must not import the generated client (it does no I/O), and route
// code maps rows onto these shapes at the boundary.

import { LIVE_APPOINTMENT_STATUSES } from "@/lib/constants";

/** An instant in time. `Date` or epoch milliseconds; both are zone-free. */
export type Instant = Date | number;

/** A calendar date in some zone, 'YYYY-MM-DD'. Never converted through the process zone. */
export type LocalDate = string;

/** Mirrors the AvailabilityExceptionKind enum. */
type AvailabilityExceptionKind = "TIME_OFF" | "EXTRA_HOURS";

/** Mirrors the AppointmentStatus enum. */
export type AppointmentStatus = "BOOKED" | "CONFIRMED" | "CANCELLED" | "COMPLETED" | "NO_SHOW";

/** Statuses that hold a place in the book (the DB exclusion constraint applies to these). */
export const LIVE_STATUSES: readonly AppointmentStatus[] = LIVE_APPOINTMENT_STATUSES;

/**
 * One row of WeeklyAvailability: working hours on an ISO weekday (1 = Monday … 7 = Sunday) in the
 * clinician's zone, as minutes after local midnight, half-open [startMinute, endMinute), end ≤ 1440.
 */
export interface WeeklyHours {
  weekday: number;
  startMinute: number;
  endMinute: number;
}

/**
 * One row of AvailabilityException on a local calendar date.
 * TIME_OFF without minutes = the whole day off; TIME_OFF with minutes = that span off;
 * EXTRA_HOURS (minutes required) adds a span. TIME_OFF wins over weekly hours and EXTRA_HOURS.
 */
export interface AvailabilityException {
  date: LocalDate;
  kind: AvailabilityExceptionKind;
  startMinute?: number | null;
  endMinute?: number | null;
}

/** The booking-relevant columns of AppointmentType. */
export interface AppointmentTypeRules {
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minimumNoticeMinutes: number;
  bookingHorizonDays: number;
  /** null = no daily limit */
  maxPerDay: number | null;
  cancellationCutoffMinutes: number;
}

/**
 * A span the clinician is not bookable: for a live appointment, [blockedFrom, blockedUntil), i.e. its
 * start minus buffer-before to its end plus buffer-after. Half-open, like tstzrange '[)'.
 */
interface BusyInterval {
  start: Instant;
  end: Instant;
}

/** A half-open UTC interval [start, end). */
export interface TimeInterval {
  start: Date;
  end: Date;
}

/** A bookable appointment: [start, end) is the visit, [blockedFrom, blockedUntil) what it reserves. */
export interface Slot {
  start: Date;
  end: Date;
  blockedFrom: Date;
  blockedUntil: Date;
}

/** Live appointments already counted against maxPerDay, keyed by the clinician's local date. */
type AppointmentsPerLocalDay = Readonly<Record<LocalDate, number>>;

/** Everything about one clinician that decides their slots. */
export interface ClinicianSchedule {
  /** IANA zone the weekly hours and exception dates are expressed in. */
  clinicianZone: string;
  weekly: readonly WeeklyHours[];
  exceptions: readonly AvailabilityException[];
  rules: AppointmentTypeRules;
  /** Blocked spans of live appointments (any order; may overlap). */
  busy: readonly BusyInterval[];
  appointmentsPerLocalDay?: AppointmentsPerLocalDay;
}

/** Which slot starts to look at. Starts are in [from, to); an appointment may end after `to`. */
export interface SearchWindow {
  from: Instant;
  to: Instant;
  now: Instant;
  /** Slot starts fall on multiples of this many minutes after local midnight. Default 15. */
  gridMinutes?: number;
}

export type FindSlotsInput = ClinicianSchedule & SearchWindow;
