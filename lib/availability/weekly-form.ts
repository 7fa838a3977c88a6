// The weekly form's rows: read from the posted inputs, written back from saved ranges, and the input
// name each schema issue belongs next to. The rules themselves are the schema's (./schema.ts).
import "server-only";
import type { WeeklyHours } from "@/lib/scheduling";
import type { WeeklyRangeInput } from "./schema";
import { formatTimeOfDay } from "./times";
import type { WeeklyFormValues } from "./types";

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/** Rows per weekday the form may post; more is not a schedule but a broken or hostile client. */
const MAX_FORM_ROWS = 50;

const WEEKLY_FIELD = /^w([1-7])\.(\d{1,2})\.(start|end)$/;

/** The weekly form's inputs are named `w<weekday>.<row>.start|end`; rows come back in order, per weekday. */
export function weeklyFormValues(formData: FormData): WeeklyFormValues {
  const rows = new Map<string, Map<number, { start: string; end: string }>>();
  for (const [name, value] of formData.entries()) {
    const match = WEEKLY_FIELD.exec(name);
    if (!match || typeof value !== "string") continue;
    const [, weekday = "", rowText = "", part] = match;
    const row = Number(rowText);
    if (row >= MAX_FORM_ROWS) continue;
    const day = rows.get(weekday) ?? new Map<number, { start: string; end: string }>();
    const entry = day.get(row) ?? { start: "", end: "" };
    entry[part as "start" | "end"] = value;
    day.set(row, entry);
    rows.set(weekday, day);
  }
  return Object.fromEntries(
    WEEKDAYS.map((weekday) => {
      const day = rows.get(String(weekday)) ?? new Map();
      return [String(weekday), [...day.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry)];
    }),
  );
}

export function weeklyValuesOf(ranges: readonly WeeklyHours[]): WeeklyFormValues {
  return Object.fromEntries(
    WEEKDAYS.map((weekday) => [
      String(weekday),
      ranges
        .filter((range) => range.weekday === weekday)
        .map((range) => ({ start: formatTimeOfDay(range.startMinute), end: formatTimeOfDay(range.endMinute) })),
    ]),
  );
}

/**
 * The ranges to save from the form's rows (a row with both times blank is not a range), with the
 * input name prefix ("w1.0") of each, so that errors can be put back next to the right inputs.
 */
export function weeklyRangesFromForm(values: WeeklyFormValues): { ranges: WeeklyRangeInput[]; inputNames: string[] } {
  const ranges: WeeklyRangeInput[] = [];
  const inputNames: string[] = [];
  for (const weekday of WEEKDAYS) {
    values[String(weekday)]?.forEach((row, index) => {
      if (row.start.trim() === "" && row.end.trim() === "") return;
      ranges.push({ weekday, start: row.start, end: row.end });
      inputNames.push(`w${weekday}.${index}`);
    });
  }
  return { ranges, inputNames };
}

/** "ranges.3.end" → "w2.1.end"; anything not about one range → "form". */
export function weeklyInputName(path: string, inputNames: readonly string[]): string {
  const match = /^ranges\.(\d+)\.(start|end|weekday)$/.exec(path);
  const name = match ? inputNames[Number(match[1])] : undefined;
  return name && match ? `${name}.${match[2] === "end" ? "end" : "start"}` : "form";
}
