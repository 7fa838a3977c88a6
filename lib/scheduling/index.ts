// Public API of the appointment book's domain logic. Pure: no I/O, no clock, no process time zone.
export type {
  AppointmentTypeRules,
  AvailabilityException,
  ClinicianSchedule,
  LocalDate,
  Slot,
  WeeklyHours,
} from "./types";
export { expandAvailability } from "./availability";
export {
  busyFromAppointments,
  checkSlotStart,
  SLOT_REFUSAL_REASONS,
  countPerLocalDay,
  findSlots,
  firstAvailable,
  type SlotRefusalReason,
} from "./slots";
export { checkCancellable, checkReschedulable, nearestFreeSlots } from "./booking-rules";
export {
  addLocalDays,
  dbDateFromLocalDate,
  isDateWithinYears,
  isRegionTimeZone,
  isValidLocalDate,
  isValidTimeZone,
  localDateFromDbDate,
  localDateOf,
  localDateTime,
  localDayBounds,
  localTimeExists,
  localToUtc,
  localWeekBounds,
  type LocalDayBounds,
} from "./zones";
export { clocksDiffer, withinWakingHours } from "./waking-hours";
