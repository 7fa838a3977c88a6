// Times of day as the availability forms show them: minutes after local midnight, written "HH:MM".
// "24:00" (1440) is a valid end, as ranges are half-open [start, end).

/** Minutes in a day: the last valid end of a range. */
export const MINUTES_PER_DAY = 1440;

const TIME_TEXT = /^(\d{1,2}):(\d{2})$/;

/** "08:00" → 480, "8:30" → 510, "24:00" → 1440; anything else (incl. "24:01", "7h") → null. */
export function parseTimeOfDay(text: string): number | null {
  const match = TIME_TEXT.exec(text.trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24) return null;
  const total = hours * 60 + minutes;
  return total > MINUTES_PER_DAY ? null : total;
}

/** 480 → "08:00", 1440 → "24:00". */
export function formatTimeOfDay(minute: number): string {
  if (!Number.isInteger(minute) || minute < 0 || minute > MINUTES_PER_DAY) {
    throw new RangeError(`minute must be an integer in 0…1440, got ${minute}`);
  }
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}
