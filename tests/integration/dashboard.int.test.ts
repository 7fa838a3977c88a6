// The admins' dashboard figures: per week (Monday on the clinic's clock) and clinician, visits held and no-shows
// by the visit's start, visits rescued (held after a rescue call answered with 1), confirmations by reminder call
// by the week they were given; weeks without visits are still listed for the chart.
import { describe, expect, it } from "vitest";
import { dashboardFigures } from "@/lib/dashboard/data";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();

const ZONE = "America/Sao_Paulo";
// Wednesday 10 June 2030, 12:00 in São Paulo
const NOW = new Date("2030-06-12T15:00:00Z");

describe("dashboard figures", () => {
  it("counts held, no-shows, rescued and confirmed visits per week and clinician", async () => {
    const { db } = database;
    const type = await createAppointmentType(db);
    const ana = await createUser(db, { role: "CLINICIAN", name: "Ana" });
    const bruno = await createUser(db, { role: "CLINICIAN", name: "Bruno" });
    const patient = await createPatient(db);
    const visit = async (clinicianId: string, startsAt: string, status: "COMPLETED" | "NO_SHOW" | "BOOKED") => {
      const start = new Date(startsAt);
      const end = new Date(start.getTime() + 30 * 60_000);
      return db.appointment.create({
        data: {
          clinicianId,
          patientId: patient.id,
          appointmentTypeId: type.id,
          startsAt: start,
          endsAt: end,
          blockedFrom: start,
          blockedUntil: end,
          status,
        },
      });
    };
    // last week (from Monday 3 June): Ana held one; this week: Ana held two (one rescued), one no-show
    await visit(ana.id, "2030-06-04T13:00:00Z", "COMPLETED");
    // Sunday 9 June 23:30 in São Paulo is Monday 02:30 UTC: still last week on the clinic's clock
    await visit(bruno.id, "2030-06-10T02:30:00Z", "NO_SHOW");
    const rescued = await visit(ana.id, "2030-06-10T13:00:00Z", "COMPLETED");
    await visit(ana.id, "2030-06-11T13:00:00Z", "COMPLETED");
    await visit(ana.id, "2030-06-11T14:00:00Z", "NO_SHOW");
    // before the window: not counted
    await visit(ana.id, "2030-05-20T13:00:00Z", "COMPLETED");
    await db.rescue.create({
      data: {
        appointmentId: rescued.id,
        appointmentVersion: 1,
        trigger: "AUTOMATIC",
        status: "DONE",
        outcome: "JOINED",
      },
    });
    // a visit of next week confirmed by a reminder call today counts this week
    const upcoming = await visit(bruno.id, "2030-06-18T13:00:00Z", "BOOKED");
    await db.reminder.create({
      data: {
        appointmentId: upcoming.id,
        appointmentVersion: 1,
        dueAt: new Date("2030-06-12T12:00:00Z"),
        status: "DONE",
        outcome: "CONFIRMED",
        finishedAt: new Date("2030-06-12T12:05:00Z"),
      },
    });

    const figures = await dashboardFigures({ now: NOW, timeZone: ZONE, weekCount: 2 }, db);
    expect(figures.weeks).toEqual(["2030-06-03", "2030-06-10"]);
    expect(figures.hasRescues).toBe(true);
    const pick = (week: string, name: string) => figures.rows.find((r) => r.week === week && r.clinicianName === name);
    expect(pick("2030-06-03", "Ana")).toMatchObject({ held: 1, noShows: 0, rescued: 0, confirmedByCall: 0 });
    expect(pick("2030-06-03", "Bruno")).toMatchObject({ held: 0, noShows: 1 });
    expect(pick("2030-06-10", "Ana")).toMatchObject({ held: 2, noShows: 1, rescued: 1, confirmedByCall: 0 });
    expect(pick("2030-06-10", "Bruno")).toMatchObject({ held: 0, noShows: 0, confirmedByCall: 1 });
    expect(figures.rows).toHaveLength(4);
    expect(figures.totals).toEqual([
      { week: "2030-06-03", held: 1, noShows: 1, rescued: 0, confirmedByCall: 0 },
      { week: "2030-06-10", held: 2, noShows: 1, rescued: 1, confirmedByCall: 1 },
    ]);

    // a week count out of range is brought within 1..26
    expect((await dashboardFigures({ now: NOW, timeZone: ZONE, weekCount: 0 }, db)).weeks).toEqual(["2030-06-10"]);
  });
});
