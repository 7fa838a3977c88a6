import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AuditActor } from "@/lib/audit/mutations";
import {
  getAvailabilityEditorData,
  getWeeklyAvailability,
  listClinicians,
  listUpcomingExceptions,
  requireEditableClinician,
} from "@/lib/availability/data";
import {
  addAvailabilityException,
  deleteAvailabilityException,
  replaceWeeklyAvailability,
  setOfferedAppointmentTypes,
  updateClinicianTimeZone,
} from "@/lib/availability/mutations";
import { AppError } from "@/lib/errors";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createUser } from "../helpers/factories";

const database = databasePerFile();
let admin: { id: string; role: "ADMIN" };
let staff: { id: string; role: "STAFF" };
let adminActor: AuditActor;

beforeAll(async () => {
  const a = await createUser(database.db, { role: "ADMIN", name: "Admin" });
  const s = await createUser(database.db, { role: "STAFF", name: "Recepção" });
  admin = { id: a.id, role: "ADMIN" };
  staff = { id: s.id, role: "STAFF" };
  adminActor = { id: a.id, label: "Admin", ip: "203.0.113.9" };
});

const newClinician = async (timeZone = "America/Sao_Paulo") => {
  const user = await createUser(database.db, { role: "CLINICIAN", timeZone });
  return { user, actor: { id: user.id, label: user.name, ip: null } satisfies AuditActor };
};

const auditRows = (clinicianId: string) =>
  database.db.auditLog.findMany({ where: { entityType: "User", entityId: clinicianId }, orderBy: { id: "asc" } });

async function expectAppError(promise: Promise<unknown>, code: AppError["code"]): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

describe("who may edit (requireEditableClinician)", () => {
  it("lets a clinician edit themselves and an admin edit any clinician", async () => {
    const { user } = await newClinician();
    await expect(requireEditableClinician({ id: user.id, role: "CLINICIAN" }, user.id)).resolves.toMatchObject({
      id: user.id,
    });
    await expect(requireEditableClinician(admin, user.id)).resolves.toMatchObject({ id: user.id });
  });

  it("refuses a clinician editing another clinician, and staff, before looking anything up", async () => {
    const { user: a } = await newClinician();
    const { user: b } = await newClinician();
    await expectAppError(requireEditableClinician({ id: a.id, role: "CLINICIAN" }, b.id), "FORBIDDEN");
    await expectAppError(requireEditableClinician(staff, b.id), "FORBIDDEN");
    // the same answer whether or not the id exists
    await expectAppError(
      requireEditableClinician({ id: a.id, role: "CLINICIAN" }, "00000000-0000-4000-8000-000000000000"),
      "FORBIDDEN",
    );
  });

  it("answers NOT_FOUND to an admin for non-clinicians, inactive clinicians and malformed ids", async () => {
    const { user } = await newClinician();
    await database.db.user.update({ where: { id: user.id }, data: { active: false } });
    await expectAppError(requireEditableClinician(admin, staff.id), "NOT_FOUND");
    await expectAppError(requireEditableClinician(admin, user.id), "NOT_FOUND");
    await expectAppError(requireEditableClinician(admin, "not-a-uuid"), "NOT_FOUND");
    expect((await listClinicians()).map((c) => c.id)).not.toContain(user.id);
  });
});

describe("replacing weekly hours", () => {
  it("replaces the whole week in one go and audits before and after", async () => {
    const { user, actor } = await newClinician();
    await replaceWeeklyAvailability(actor, {
      clinicianId: user.id,
      ranges: [{ weekday: 1, start: "08:00", end: "12:00" }],
    });
    const saved = await replaceWeeklyAvailability(adminActor, {
      clinicianId: user.id,
      ranges: [
        { weekday: 2, start: "14:00", end: "24:00" },
        { weekday: 2, start: "8:00", end: "12:00" },
        { weekday: 6, start: 540, end: 780 },
      ],
    });
    const expected = [
      { weekday: 2, startMinute: 480, endMinute: 720 },
      { weekday: 2, startMinute: 840, endMinute: 1440 },
      { weekday: 6, startMinute: 540, endMinute: 780 },
    ];
    expect(saved).toEqual(expected);
    expect(await getWeeklyAvailability(user.id)).toEqual(expected);
    const audit = await auditRows(user.id);
    expect(audit.map((row) => [row.action, row.actorId])).toEqual([
      ["availability.weekly.update", user.id],
      ["availability.weekly.update", admin.id],
    ]);
    expect(audit[1]?.details).toEqual({
      before: ["1 08:00-12:00"],
      after: ["2 08:00-12:00", "2 14:00-24:00", "6 09:00-13:00"],
    });
    expect(audit[1]?.ip).toBe("203.0.113.9");
  });

  it("clears the week when given no ranges", async () => {
    const { user, actor } = await newClinician();
    await replaceWeeklyAvailability(actor, { clinicianId: user.id, ranges: [{ weekday: 3, start: 60, end: 120 }] });
    await replaceWeeklyAvailability(actor, { clinicianId: user.id, ranges: [] });
    expect(await getWeeklyAvailability(user.id)).toEqual([]);
  });

  it("writes nothing, not even an audit row, for overlapping or malformed ranges", async () => {
    const { user, actor } = await newClinician();
    await replaceWeeklyAvailability(actor, { clinicianId: user.id, ranges: [{ weekday: 1, start: 480, end: 720 }] });
    const before = await database.db.auditLog.count();
    const error = await expectAppError(
      replaceWeeklyAvailability(actor, {
        clinicianId: user.id,
        ranges: [
          { weekday: 1, start: "09:00", end: "17:00" },
          { weekday: 1, start: "16:00", end: "18:00" },
        ],
      }),
      "BAD_REQUEST",
    );
    expect(error.details).toEqual({ fieldErrors: { "ranges.1.start": "overlap" } });
    await expectAppError(
      replaceWeeklyAvailability(actor, {
        clinicianId: user.id,
        ranges: [{ weekday: 1, start: "18:00", end: "25:00" }],
      }),
      "BAD_REQUEST",
    );
    expect(await getWeeklyAvailability(user.id)).toEqual([{ weekday: 1, startMinute: 480, endMinute: 720 }]);
    expect(await database.db.auditLog.count()).toBe(before);
  });

  it("answers NOT_FOUND for someone who is not a clinician, and writes nothing", async () => {
    const before = await database.db.weeklyAvailability.count();
    await expectAppError(
      replaceWeeklyAvailability(adminActor, { clinicianId: staff.id, ranges: [{ weekday: 1, start: 0, end: 60 }] }),
      "NOT_FOUND",
    );
    await expectAppError(replaceWeeklyAvailability(adminActor, { clinicianId: "nope", ranges: [] }), "NOT_FOUND");
    expect(await database.db.weeklyAvailability.count()).toBe(before);
  });

  it("serialises simultaneous saves: the week is one of them, never a mixture", async () => {
    const { user, actor } = await newClinician();
    const week = (start: number) => [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start, end: start + 60 }));
    await Promise.all([
      replaceWeeklyAvailability(actor, { clinicianId: user.id, ranges: week(480) }),
      replaceWeeklyAvailability(actor, { clinicianId: user.id, ranges: week(600) }),
    ]);
    const saved = await getWeeklyAvailability(user.id);
    expect(saved).toHaveLength(5);
    expect(new Set(saved.map((r) => r.startMinute)).size).toBe(1);
    expect((await auditRows(user.id)).filter((r) => r.action === "availability.weekly.update")).toHaveLength(2);
  });
});

describe("exceptions", () => {
  let clinician: Awaited<ReturnType<typeof newClinician>>;
  beforeEach(async () => {
    clinician = await newClinician("America/St_Johns");
  });

  it("adds and deletes, each with an audit row that leaves the note out", async () => {
    const { user, actor } = clinician;
    const dayOff = await addAvailabilityException(actor, {
      clinicianId: user.id,
      date: "2026-12-24",
      kind: "TIME_OFF",
      start: "",
      end: "",
      note: "Consulta médica pessoal",
    });
    const extra = await addAvailabilityException(actor, {
      clinicianId: user.id,
      date: "2026-12-19",
      kind: "EXTRA_HOURS",
      start: "09:00",
      end: "13:00",
    });
    expect(dayOff).toMatchObject({ date: "2026-12-24", kind: "TIME_OFF", startMinute: null, endMinute: null });
    // the @db.Date column comes back as the same calendar date in a zone west of UTC (and TZ=Kathmandu)
    expect(await listUpcomingExceptions(user.id, "2026-12-01")).toEqual([
      { id: extra.id, date: "2026-12-19", kind: "EXTRA_HOURS", startMinute: 540, endMinute: 780, note: null },
      {
        id: dayOff.id,
        date: "2026-12-24",
        kind: "TIME_OFF",
        startMinute: null,
        endMinute: null,
        note: "Consulta médica pessoal",
      },
    ]);
    expect((await listUpcomingExceptions(user.id, "2026-12-20")).map((e) => e.id)).toEqual([dayOff.id]);

    await deleteAvailabilityException(actor, { clinicianId: user.id, exceptionId: dayOff.id });
    expect((await listUpcomingExceptions(user.id, "2026-12-01")).map((e) => e.id)).toEqual([extra.id]);
    const audit = await auditRows(user.id);
    expect(audit.map((row) => row.action)).toEqual([
      "availability.exception.create",
      "availability.exception.create",
      "availability.exception.delete",
    ]);
    expect(audit[2]?.details).toMatchObject({ exceptionId: dayOff.id, date: "2026-12-24", kind: "TIME_OFF" });
    expect(JSON.stringify(audit.map((row) => row.details))).not.toMatch(/médica/);
  });

  it("writes nothing for a bad date or missing extra-hours times", async () => {
    const { user, actor } = clinician;
    const before = {
      exceptions: await database.db.availabilityException.count(),
      audit: await database.db.auditLog.count(),
    };
    const error = await expectAppError(
      addAvailabilityException(actor, { clinicianId: user.id, date: "2026-02-30", kind: "EXTRA_HOURS" }),
      "BAD_REQUEST",
    );
    expect(error.details).toEqual({ fieldErrors: { date: "dateInvalid", start: "timesRequired" } });
    await expectAppError(
      addAvailabilityException(actor, { clinicianId: user.id, date: "2026-05-01", kind: "VACATION" }),
      "BAD_REQUEST",
    );
    expect(await database.db.availabilityException.count()).toBe(before.exceptions);
    expect(await database.db.auditLog.count()).toBe(before.audit);
  });

  it("does not delete another clinician's exception through one's own id", async () => {
    const { user, actor } = clinician;
    const other = await newClinician();
    const theirs = await addAvailabilityException(other.actor, {
      clinicianId: other.user.id,
      date: "2026-06-01",
      kind: "TIME_OFF",
    });
    await expectAppError(
      deleteAvailabilityException(actor, { clinicianId: user.id, exceptionId: theirs.id }),
      "NOT_FOUND",
    );
    await expectAppError(deleteAvailabilityException(actor, { clinicianId: user.id, exceptionId: "x" }), "NOT_FOUND");
    expect((await listUpcomingExceptions(other.user.id, "2026-01-01")).map((e) => e.id)).toEqual([theirs.id]);
    expect(await auditRows(user.id)).toEqual([]);
  });
});

describe("offered appointment types", () => {
  it("sets the offered types and audits what was added and removed", async () => {
    const { user, actor } = await newClinician();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => createAppointmentType(database.db)));
    await setOfferedAppointmentTypes(actor, { clinicianId: user.id, appointmentTypeIds: [a!.id, b!.id] });
    await setOfferedAppointmentTypes(actor, { clinicianId: user.id, appointmentTypeIds: [b!.id, c!.id, c!.id] });
    // saving the same set again changes nothing and logs nothing
    await setOfferedAppointmentTypes(actor, { clinicianId: user.id, appointmentTypeIds: [c!.id, b!.id] });
    const offered = await database.db.appointmentType.findMany({
      where: { clinicians: { some: { id: user.id } } },
      select: { id: true },
    });
    expect(offered.map((t) => t.id).sort()).toEqual([b!.id, c!.id].sort());
    const audit = await auditRows(user.id);
    expect(audit.map((row) => row.action)).toEqual(["availability.types.update", "availability.types.update"]);
    expect(audit[1]?.details).toEqual({ added: [c!.id], removed: [a!.id] });
  });

  it("refuses unknown types and newly chosen inactive ones, writing nothing", async () => {
    const { user, actor } = await newClinician();
    const active = await createAppointmentType(database.db);
    const retired = await createAppointmentType(database.db);
    await database.db.appointmentType.update({ where: { id: retired.id }, data: { active: false } });
    for (const ids of [[active.id, "00000000-0000-4000-8000-000000000000"], [retired.id]]) {
      const error = await expectAppError(
        setOfferedAppointmentTypes(actor, { clinicianId: user.id, appointmentTypeIds: ids }),
        "BAD_REQUEST",
      );
      expect(error.details).toEqual({ fieldErrors: { appointmentTypeIds: "typeInvalid" } });
    }
    expect(await database.db.appointmentType.count({ where: { clinicians: { some: { id: user.id } } } })).toBe(0);
    expect(await auditRows(user.id)).toEqual([]);
  });
});

describe("time zone", () => {
  it("changes the zone with an audit row of from and to; invalid zones change nothing", async () => {
    const { user, actor } = await newClinician("America/Sao_Paulo");
    await updateClinicianTimeZone(actor, { clinicianId: user.id, timeZone: "Asia/Kathmandu" });
    await expectAppError(updateClinicianTimeZone(actor, { clinicianId: user.id, timeZone: "+05:45" }), "BAD_REQUEST");
    const stored = await database.db.user.findUniqueOrThrow({ where: { id: user.id }, select: { timeZone: true } });
    expect(stored.timeZone).toBe("Asia/Kathmandu");
    const audit = await auditRows(user.id);
    expect(audit.map((row) => [row.action, row.details])).toEqual([
      ["clinician.timezone.update", { from: "America/Sao_Paulo", to: "Asia/Kathmandu" }],
    ]);
  });
});

describe("the editor's data", () => {
  it("reads today and the preview in the clinician's zone, not the server's", async () => {
    const { user, actor } = await newClinician("America/Sao_Paulo");
    const type = await createAppointmentType(database.db);
    await replaceWeeklyAvailability(actor, {
      clinicianId: user.id,
      ranges: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: "09:00", end: "17:00" })),
    });
    await addAvailabilityException(actor, { clinicianId: user.id, date: "2026-07-07", kind: "TIME_OFF" });
    await addAvailabilityException(actor, { clinicianId: user.id, date: "2026-07-05", kind: "TIME_OFF" });
    await setOfferedAppointmentTypes(actor, { clinicianId: user.id, appointmentTypeIds: [type.id] });
    // 02:00 UTC on Monday 6 July is still Sunday 5 July in São Paulo (and already the 6th in Kathmandu)
    const data = await getAvailabilityEditorData(user.id, new Date("2026-07-06T02:00:00Z"));
    expect(data?.today).toBe("2026-07-05");
    expect(data?.upcomingExceptions.map((e) => e.date)).toEqual(["2026-07-05", "2026-07-07"]);
    expect(data?.preview.map((d) => [d.date, d.intervals.map((i) => `${i.startLabel}-${i.endLabel}`)])).toEqual([
      ["2026-07-05", []],
      ["2026-07-06", ["09:00-17:00"]],
      ["2026-07-07", []],
      ["2026-07-08", ["09:00-17:00"]],
      ["2026-07-09", ["09:00-17:00"]],
      ["2026-07-10", ["09:00-17:00"]],
      ["2026-07-11", []],
    ]);
    expect(data?.preview[1]?.intervals[0]?.start.toISOString()).toBe("2026-07-06T12:00:00.000Z");
    expect(data?.appointmentTypes.find((t) => t.id === type.id)?.offered).toBe(true);
    expect(await getAvailabilityEditorData(staff.id, new Date())).toBeNull();
  });
});
