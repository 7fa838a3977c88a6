// Query strings and form fields anyone can write, through the same reads and writes the pages use, on a
// real database: impossible dates are ignored (the page opens at today) and control characters never
// reach PostgreSQL (a NUL in text is SQLSTATE 22021 there), instead of either answering 500.
import { beforeAll, describe, expect, it } from "vitest";
import { calendarDateParam, calendarQuery } from "@/lib/appointments/schema";
import { bookingOptions, calendarForViewer } from "@/lib/appointments/views";
import type { Viewer } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { searchPatients } from "@/lib/patients/data";
import { createPatient } from "@/lib/patients/mutations";
import { localDateOf } from "@/lib/scheduling";
import { databasePerFile } from "../helpers/per-file";
import { createPatient as savedPatient, createUser } from "../helpers/factories";

const database = databasePerFile();
let viewer: Viewer;

beforeAll(async () => {
  const staff = await createUser(database.db, { role: "STAFF", timeZone: "Asia/Kathmandu" });
  viewer = { id: staff.id, role: "STAFF", name: staff.name, timeZone: staff.timeZone, locale: "en", ip: null };
});

const impossibleDates = ["2026-02-30", "2026-13-01", "0001-01-01", "2026-04-31", "9999-12-31"];

describe("dates in query strings", () => {
  it.each(impossibleDates)("/appointments?date=%s opens at today", async (date) => {
    const now = new Date();
    for (const view of ["day", "week"]) {
      const calendar = await calendarForViewer(viewer, calendarQuery.parse({ date, view }), now);
      expect(calendar.date).toBe(localDateOf(now, viewer.timeZone));
    }
  });

  it.each(impossibleDates)("/appointments/new?date=%s opens at today", async (date) => {
    const now = new Date();
    const options = await bookingOptions(viewer, { date: calendarDateParam.parse(date) }, now);
    expect(options.startDate).toBe(localDateOf(now, viewer.timeZone));
  });
});

describe("control characters", () => {
  it.each(["\u0000", "Ana\u0000", "\u0000\u0001\u001f\u007f", "Silva\tAna\n", "%00"])(
    "a patient search for %j answers, without reaching PostgreSQL with a NUL",
    async (query) => {
      await savedPatient(database.db, { firstName: "Ana" });
      await expect(searchPatients({ query })).resolves.toBeInstanceOf(Array);
    },
  );

  it("a search with a NUL between words finds what the words find", async () => {
    const patient = await savedPatient(database.db, { firstName: "Nulvalda" });
    const found = await searchPatients({ query: `Nulvalda\u0000${"Teste"}` });
    expect(found.map((p) => p.id)).toContain(patient.id);
  });

  it("a NUL in a patient's name is refused as bad input, not a database error", async () => {
    const actor = { id: viewer.id, label: "test", ip: null };
    const error = await createPatient(actor, { firstName: "Ana\u0000", lastName: "Souza" }).then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("BAD_REQUEST");
  });
});
