// The call log (/calls): a reminder call's line shows what the patient chose, not "completed" for every
// call the line ended normally; earlier tries of the same reminder keep their own end (no answer, …).
import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { bookAppointment } from "@/lib/appointments/booking-mutations";
import type { Viewer } from "@/lib/auth/session";
import { callLogForViewer } from "@/lib/calls/views";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createBookableClinician, createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();

const now = new Date("2030-06-01T12:00:00Z");

describe("the call log", () => {
  it("shows each reminder call's outcome: confirmed, cancelled, no choice, no answer", async () => {
    const { db } = database;
    const type = await createAppointmentType(db);
    const clinician = await createBookableClinician(db, type.id);
    const staff = await createUser(db, { role: "STAFF" });
    const viewer: Viewer = {
      id: staff.id,
      role: "STAFF",
      name: staff.name,
      timeZone: "America/Sao_Paulo",
      locale: "en",
      ip: null,
    };

    const outcomes = ["CONFIRMED", "CANCELLED", "NO_RESPONSE"] as const;
    const expected = new Map<string, string>();
    for (const [i, outcome] of outcomes.entries()) {
      const patient = await createPatient(db);
      const { appointmentId } = await bookAppointment(
        db,
        { id: staff.id, label: staff.name },
        {
          clinicianId: clinician.id,
          appointmentTypeId: type.id,
          patientId: patient.id,
          startsAt: new Date(`2030-06-0${3 + i}T13:00:00Z`),
          idempotencyKey: `call-log-${i}-xxxxxxxx`,
        },
        now,
      );
      const call = (state: string, outcomeOfLine: string) =>
        db.call.create({
          data: {
            graphCallId: crypto.randomUUID().replaceAll("-", ""),
            direction: "OUTGOING",
            purpose: "REMINDER",
            state,
            appointmentId,
            outcome: outcomeOfLine,
            resultCode: outcomeOfLine === "completed" ? 200 : 408,
          },
        });
      // the first try went unanswered; the second was answered and ended normally ("completed")
      const unanswered = await call("terminated", "no-answer");
      const answered = await call("terminated", "completed");
      await db.reminder.create({
        data: {
          appointmentId,
          appointmentVersion: 1,
          status: "DONE",
          dueAt: now,
          attempts: 2,
          callId: answered.id,
          outcome,
        },
      });
      expected.set(unanswered.id, "no-answer");
      expected.set(
        answered.id,
        { CONFIRMED: "patientConfirmed", CANCELLED: "patientCancelled", NO_RESPONSE: "noChoice" }[outcome],
      );
    }

    const log = await callLogForViewer(viewer);
    const shown = new Map(log!.filter((c) => expected.has(c.id)).map((c) => [c.id, c.outcome]));
    expect(shown).toEqual(expected);
    expect([...shown.values()]).not.toContain("completed");
  });
});
