// The admins' dashboard (issue 21 item 4): per week and per clinician, visits held, no-shows, visits rescued by a
// call (held after a rescue call the patient answered with 1) and confirmations by reminder call. Weeks start on
// Monday on the clinic's clock; a visit counts in the week it started, a confirmation in the week it was given.
import "server-only";
import { getDb, type PrismaClient } from "@/lib/db";

interface WeekClinicianFigures {
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
  const from = weeks[0] ?? "1970-01-01";
  const until = weeks.at(-1) ?? "1970-01-01";
  const rows = await db.$queryRaw<WeekClinicianFigures[]>`
    WITH window_ AS (
      SELECT (${from}::date)::timestamp AT TIME ZONE ${input.timeZone} AS starts,
             (${until}::date + 7)::timestamp AT TIME ZONE ${input.timeZone} AS ends
    ),
    visits AS (
      SELECT to_char(date_trunc('week', a."startsAt" AT TIME ZONE ${input.timeZone}), 'YYYY-MM-DD') AS week,
             a."clinicianId",
             count(*) FILTER (WHERE a.status = 'COMPLETED')::int AS held,
             count(*) FILTER (WHERE a.status = 'NO_SHOW')::int AS "noShows",
             count(*) FILTER (WHERE a.status = 'COMPLETED' AND EXISTS (
               SELECT 1 FROM "Rescue" r WHERE r."appointmentId" = a.id AND r.outcome = 'JOINED'))::int AS rescued
      FROM "Appointment" a, window_ w
      WHERE a."startsAt" >= w.starts AND a."startsAt" < w.ends AND a.status IN ('COMPLETED', 'NO_SHOW')
      GROUP BY 1, 2
    ),
    confirmations AS (
      SELECT to_char(date_trunc('week', m."finishedAt" AT TIME ZONE ${input.timeZone}), 'YYYY-MM-DD') AS week,
             a."clinicianId", count(*)::int AS "confirmedByCall"
      FROM "Reminder" m JOIN "Appointment" a ON a.id = m."appointmentId", window_ w
      WHERE m.outcome = 'CONFIRMED' AND m."finishedAt" >= w.starts AND m."finishedAt" < w.ends
      GROUP BY 1, 2
    )
    SELECT coalesce(v.week, c.week) AS week, u.id::text AS "clinicianId", u.name AS "clinicianName",
           coalesce(v.held, 0) AS held, coalesce(v."noShows", 0) AS "noShows", coalesce(v.rescued, 0) AS rescued,
           coalesce(c."confirmedByCall", 0) AS "confirmedByCall"
    FROM visits v
    FULL JOIN confirmations c ON c.week = v.week AND c."clinicianId" = v."clinicianId"
    JOIN "User" u ON u.id = coalesce(v."clinicianId", c."clinicianId")
    ORDER BY 1, u.name`;
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
