// Where each appointment sits in the calendar's time grid (issue 19): its minutes on the day's clock, the
// hours the grid shows, and side-by-side lanes for visits that overlap (several clinicians in one view).
// Pure: the page hands in appointments already split by local day.
import "server-only";
import { localDateTime } from "@/lib/scheduling";

const MINUTES_PER_DAY = 1440;
/** The grid shows at least 07:00–20:00; earlier or later visits widen it to their whole hours. */
const DEFAULT_FIRST_MINUTE = 7 * 60;
const DEFAULT_LAST_MINUTE = 20 * 60;

export interface DayPlacement {
  /** minutes after the day's local midnight, on its clock */
  startMinute: number;
  /** the same for the end, at most the day's end (a visit past midnight is cut there) */
  endMinute: number;
}

/** A visit's start and end on the clock of `zone`, within the local day `date`. */
export function placeOnDay(startsAt: Date, endsAt: Date, date: string, zone: string): DayPlacement {
  const start = localDateTime(startsAt, zone);
  const end = localDateTime(endsAt, zone);
  const startMinute = start.date === date ? start.minuteOfDay : 0;
  const endMinute = end.date === date ? end.minuteOfDay : MINUTES_PER_DAY;
  return { startMinute, endMinute: Math.max(endMinute, startMinute) };
}

/** The minutes the grid spans: the default hours, widened to whole hours around every visit. */
export function gridSpan(placements: DayPlacement[]): { first: number; last: number } {
  let first = DEFAULT_FIRST_MINUTE;
  let last = DEFAULT_LAST_MINUTE;
  for (const p of placements) {
    first = Math.min(first, Math.floor(p.startMinute / 60) * 60);
    last = Math.max(last, Math.ceil(p.endMinute / 60) * 60);
  }
  return { first, last: Math.min(last, MINUTES_PER_DAY) };
}

/**
 * Lanes for one day's visits: each goes into the first lane free at its start; visits that overlap, directly
 * or through a chain, share a group whose width they divide. Touching visits (one ends as the next starts)
 * do not overlap.
 */
export function layoutLanes<T extends DayPlacement & { id: string }>(
  items: T[],
): Map<string, { lane: number; lanes: number }> {
  const sorted = [...items].sort((a, b) => a.startMinute - b.startMinute || a.endMinute - b.endMinute);
  const result = new Map<string, { lane: number; lanes: number }>();
  let group: { id: string; lane: number }[] = [];
  let laneEnds: number[] = [];
  let groupEnd = -1;
  const close = () => {
    for (const member of group) result.set(member.id, { lane: member.lane, lanes: laneEnds.length });
    group = [];
    laneEnds = [];
  };
  for (const item of sorted) {
    if (item.startMinute >= groupEnd) close();
    let lane = laneEnds.findIndex((end) => end <= item.startMinute);
    if (lane === -1) lane = laneEnds.push(item.endMinute) - 1;
    else laneEnds[lane] = item.endMinute;
    group.push({ id: item.id, lane });
    groupEnd = Math.max(groupEnd, item.endMinute);
  }
  close();
  return result;
}
