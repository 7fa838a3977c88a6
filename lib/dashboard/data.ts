// The admins' dashboard (issue 21 item 4): per week and per clinician, visits held, no-shows, visits rescued by a
// call (held after a rescue call the patient answered with 1) and confirmations by reminder call. Weeks start on
// Monday on the clinic's clock; a visit counts in the week it started.
import { getDb, type PrismaClient } from "@/lib/db";

export interface WeekClinicianFigures {
  /** the Monday that starts the week, YYYY-MM-DD on the clinic's clock */
  week: string;
  clinicianId: string;
  clinicianName: string;
  held: number;
  noShows: number;
  rescued: number;
  confirmedByCall: number;
}

export interface DashboardFigures {
  /** every week of the window, oldest first, even those without visits */
  weeks: string[];
  rows: WeekClinicianFigures[];
  /** per week across all clinicians, for the chart */
  totals: Array<{ week: string; held: number; noShows: number; rescued: number; confirmedByCall: number }>;
  /** rescue calls exist at all: the rescued column is shown only then */
  hasRescues: boolean;
}

interface Row {
  week: string;
  clinicianId: string;
  clinicianName: string;
  held: number;
  noShows: number;
  rescued: number;
  confirmedByCall: number;
}

/** The last `weekCount` weeks up to the one holding `now`, in `timeZone`. */
export async function dashboardFigures(
  input: { now: Date; timeZone: string; weekCount: number },
  db: PrismaClient = getDb(),
): Promise<DashboardFigures> {
  const weekCount = Math.min(Math.max(Math.trunc(input.weekCount), 1), 26);
  const [bounds] = await db.$queryRaw<Array<{ weeks: string[] }>>`
    SELECT array_agg(to_char(w, 'YYYY-MM-DD') ORDER BY w) AS weeks
    FROM generate_series(
      date_trunc('week', ${input.now}::timestamptz AT TIME ZONE ${input.timeZone}) - make_interval(weeks => ${weekCount - 1}::int),
      date_trunc('week', ${input.now}::timestamptz AT TIME ZONE ${input.timeZone}),
      interval '1 week') AS w`;
  const weeks = bounds?.weeks ?? [];
  const rows = await db.$queryRaw<Row[]>`
    WITH visits AS (
      SELECT a.id, a."clinicianId", a.status,
             to_char(date_trunc('week', a."startsAt" AT TIME ZONE ${input.timeZone}), 'YYYY-MM-DD') AS week
      FROM "Appointment" a
      WHERE a."startsAt" >= (${weeks[0] ?? "1970-01-01"}::date)::timestamp AT TIME ZONE ${input.timeZone}
        AND a."startsAt" < ((${weeks.at(-1) ?? "1970-01-01"}::date + 7)::timestamp AT TIME ZONE ${input.timeZone})
    )
    SELECT v.week, v."clinicianId"::text AS "clinicianId", u.name AS "clinicianName",
      count(*) FILTER (WHERE v.status = 'COMPLETED')::int AS held,
      count(*) FILTER (WHERE v.status = 'NO_SHOW')::int AS "noShows",
      count(*) FILTER (WHERE v.status = 'COMPLETED' AND EXISTS (
        SELECT 1 FROM "Rescue" r WHERE r."appointmentId" = v.id AND r.outcome = 'JOINED'))::int AS rescued,
      count(*) FILTER (WHERE EXISTS (
        SELECT 1 FROM "Reminder" m WHERE m."appointmentId" = v.id AND m.outcome = 'CONFIRMED'))::int AS "confirmedByCall"
    FROM visits v JOIN "User" u ON u.id = v."clinicianId"
    GROUP BY v.week, v."clinicianId", u.name
    HAVING count(*) FILTER (WHERE v.status IN ('COMPLETED', 'NO_SHOW')) > 0
        OR count(*) FILTER (WHERE EXISTS (
             SELECT 1 FROM "Reminder" m WHERE m."appointmentId" = v.id AND m.outcome = 'CONFIRMED')) > 0
    ORDER BY v.week, u.name`;
  const [rescues] = await db.$queryRaw<Array<{ any: boolean }>>`SELECT EXISTS (SELECT 1 FROM "Rescue") AS any`;
  const totals = weeks.map((week) => {
    const inWeek = rows.filter((r) => r.week === week);
    const sum = (key: "held" | "noShows" | "rescued" | "confirmedByCall") => inWeek.reduce((s, r) => s + r[key], 0);
    return {
      week,
      held: sum("held"),
      noShows: sum("noShows"),
      rescued: sum("rescued"),
      confirmedByCall: sum("confirmedByCall"),
    };
  });
  return { weeks, rows, totals, hasRescues: rescues?.any ?? false };
}
