// Every server action in the build, called the way a no-JavaScript form post reaches it, with generated
// form fields: first by someone without a session (nothing is written, no internals come back), then
// signed in with a role that may use it, with fields shaped by the action's zod schema (no 5xx, no
// internals, and a call that fails leaves the database as it was). The list comes from the build's
// manifest, so a new action is covered without touching this file (with generic fields until it gets
// an entry in `signedInSpecs`).
import crypto from "node:crypto";
import fs from "node:fs";
import { type Browser, type BrowserContext, expect, test } from "@playwright/test";
import fc from "fast-check";
import type pg from "pg";
import { bookInput, cancelInput, rescheduleInput } from "@/lib/appointments/schema";
import {
  clinicianTimeZoneSchema,
  exceptionCreateSchema,
  exceptionDeleteSchema,
  offeredTypesSchema,
} from "@/lib/availability/schema";
import { typeFormSchema } from "@/lib/appointment-types/schema";
import { adHocMeetingForm, joinUrlLookup } from "@/lib/meetings/schema";
import { patientCreateSchema } from "@/lib/patients/schema";
import { rowCounts, withDb } from "./db";
import { demoUsers, signIn } from "./fixtures";
import { fieldArbitrary, formArbitrary, hostile } from "./zod-arbitrary";

interface ManifestEntry {
  exportedName?: string;
  filename?: string;
  workers: Record<string, unknown>;
}

const manifest = JSON.parse(fs.readFileSync(".next/server/server-reference-manifest.json", "utf8")) as {
  node: Record<string, ManifestEntry>;
};

/** A real path for a page of the manifest: route groups dropped, dynamic segments filled. */
function pathOf(page: string): string {
  const segments = page
    .replace(/^app\//, "")
    .replace(/\/page$/, "")
    .split("/")
    .filter((s) => s && !s.startsWith("("))
    .map((s) =>
      s === "[token]" ? crypto.randomBytes(32).toString("base64url") : s.startsWith("[") ? crypto.randomUUID() : s,
    );
  return `/${segments.join("/")}`;
}

const internals = /\n\s+at \S|node_modules|\/work\/|\.tsx?:\d+|prisma/i;
const fieldValue = fc.oneof(
  fc.string({ unit: "binary", maxLength: 100 }),
  fc.uuid(),
  fc.constantFrom("", "__proto__", "ADMIN", "2020-01-01T00:00", "+5511999999999", "x".repeat(5000)),
);
const form = fc.dictionary(
  fc.constantFrom(
    "id",
    "token",
    "patientId",
    "clinicianId",
    "startsAt",
    "firstName",
    "phone",
    "locale",
    "version",
    "weekday",
    "key",
    "text",
    "intent",
    "kind",
    "caller",
    "__proto__",
    "constructor",
  ),
  fieldValue,
  { maxKeys: 6 },
);

// React calls an action with its arguments encoded as a multipart reply: "0" holds the argument list and
// "$K1" refers to the form's fields, sent as "_1_<name>" BEFORE "0" (the server resolves the argument
// list as soon as "0" arrives, with the fields it has seen by then; fields after it would be lost, as
// would "1_<name>", the older naming). A form action takes (formData), an action of useActionState takes
// (previousState, formData); each is called both ways, and its own way must work.
const shapes = { "(formData)": '["$K1"]', "(state, formData)": '[null,"$K1"]' };
// actions bound to a plain <form action>, called with the form alone; the rest are useActionState's
const formOnlyActions = new Set(["changeLocale", "confirmFromLink", "cancelFromLink", "signInWithMicrosoft"]);
function reply(args: string, fields: Record<string, string>): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(`_1_${name}`, value);
  body.append("0", args);
  return body;
}

test("no server action writes or leaks for a visitor without a session", async ({ request, baseURL }) => {
  test.setTimeout(180_000);
  const actions = Object.entries(manifest.node);
  expect(actions.length).toBeGreaterThan(10);
  const before = await rowCounts();
  const leaks: string[] = [];
  const failing: string[] = [];
  for (const [index, [id, entry]] of actions.entries()) {
    const name = entry.exportedName ?? id;
    const statusByShape: Record<string, number[]> = {};
    for (const [shape, args] of Object.entries(shapes)) {
      for (const fields of fc.sample(form, 6)) {
        const response = await request.post(pathOf(Object.keys(entry.workers)[0]!), {
          maxRedirects: 0,
          headers: { origin: baseURL!, "next-action": id, "x-forwarded-for": `192.0.2.${100 + index}` },
          multipart: reply(args, fields),
        });
        const body = await response.text();
        if (internals.test(body)) leaks.push(`${name} ${shape}: internals in the answer`);
        (statusByShape[shape] ??= []).push(response.status());
      }
    }
    const neverFails = Object.values(statusByShape).every((statuses) => statuses.every((s) => s < 500));
    if (!neverFails) failing.push(`${name}: ${JSON.stringify(statusByShape)}`);
  }
  expect(await rowCounts()).toEqual(before);
  expect(leaks).toEqual([]);
  expect(failing).toEqual([]);
});

// --- signed in -------------------------------------------------------------------------------------

type Role = "clinician" | "staff" | "admin";

interface Ids {
  /** Dr. Emily Carter: an admin may edit her availability; no other test relies on it */
  otherClinician: string;
  appointmentTypes: string[];
  patients: string[];
}

interface SignedInSpec {
  role: Role;
  fields: (ids: Ids) => fc.Arbitrary<Record<string, string>>;
  /** a call that must succeed: proof that the session and encoding reach the action, so refusals are real */
  valid?: Record<string, string>;
}

const someOf = (known: string[]) => fc.oneof(fc.constantFrom(...known), fc.uuid());
const clock = fc
  .tuple(fc.integer({ min: 0, max: 24 }), fc.constantFrom(0, 15, 30, 45, 59))
  .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
const localDay = fc
  .date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2028-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const appointmentFields = { appointmentId: fc.uuid() };

/**
 * Who may use each action, and its fields from its zod schema. Ids are random or, where a success
 * harms no other test, real: Emily Carter's availability, seeded patients and appointment types (a
 * booking at a random instant almost never lands on a free slot). Appointment ids stay random, so no
 * appointment another test made is cancelled or moved.
 */
const signedInSpecs: Record<string, SignedInSpec> = {
  bookAction: {
    role: "staff",
    fields: (ids) =>
      formArbitrary(bookInput, {
        clinicianId: someOf([ids.otherClinician]),
        appointmentTypeId: someOf(ids.appointmentTypes),
        patientId: someOf(ids.patients),
      }),
  },
  rescheduleAction: { role: "staff", fields: () => formArbitrary(rescheduleInput, appointmentFields) },
  cancelAction: { role: "clinician", fields: () => formArbitrary(cancelInput, appointmentFields) },
  rotateLinkAction: { role: "clinician", fields: () => formArbitrary(cancelInput.pick({ appointmentId: true })) },
  retryMeetingAction: { role: "staff", fields: () => formArbitrary(cancelInput.pick({ appointmentId: true })) },
  // random appointment ids: refused before anything changes, whatever the statuses say
  correctAttendanceAction: {
    role: "staff",
    fields: () =>
      fc.record({
        appointmentId: fc.oneof(fc.uuid(), hostile),
        from: fc.oneof(fc.constantFrom("BOOKED", "CONFIRMED", "COMPLETED", "NO_SHOW"), hostile),
        to: fc.oneof(fc.constantFrom("COMPLETED", "NO_SHOW"), hostile),
      }),
  },
  createPatientAction: {
    role: "clinician",
    fields: () => formArbitrary(patientCreateSchema),
    valid: { firstName: "Fuzz", lastName: "Control", phone: "", email: "", locale: "en", timeZone: "UTC" },
  },
  updatePatientAction: {
    role: "staff",
    // random ids: the fields are checked before the record is looked up, and no real patient changes
    fields: () =>
      formArbitrary(patientCreateSchema, { id: fc.uuid(), updatedAt: fieldArbitrary(bookInput.shape.startsAt) }),
  },
  // random ids (seeded patients are other tests'): refused before anything moves, whatever the fields say
  mergePatientsAction: {
    role: "staff",
    fields: () =>
      fc.record({
        a: fc.oneof(fc.uuid(), hostile),
        b: fc.oneof(fc.uuid(), hostile),
        keepId: fc.oneof(fc.uuid(), hostile),
        confirm: fc.oneof(fc.constant("yes"), hostile),
      }),
  },
  // types the fuzzer creates are offered by nobody, so no other test can book them
  createTypeAction: { role: "admin", fields: () => formArbitrary(typeFormSchema) },
  updateTypeAction: {
    role: "admin",
    fields: () => formArbitrary(typeFormSchema, { id: fc.uuid(), updatedAt: fieldArbitrary(bookInput.shape.startsAt) }),
  },
  changeTypeStatusAction: {
    role: "admin",
    fields: () =>
      fc.record({
        id: fc.oneof(fc.uuid(), hostile),
        intent: fc.oneof(fc.constantFrom("retire", "reinstate", "remove"), hostile),
      }),
  },
  saveWeeklyAction: {
    role: "admin",
    fields: (ids) =>
      fc
        .tuple(
          someOf([ids.otherClinician]),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 60 }), clock, clock, hostile), {
            maxLength: 5,
          }),
        )
        .map(([clinicianId, rows]) => {
          const fields: Record<string, string> = { clinicianId };
          for (const [day, row, start, end, odd] of rows) {
            fields[`w${day}.${row}.start`] = start;
            fields[`w${day}.${row}.end`] = row % 7 === 3 ? odd : end;
          }
          return fields;
        }),
  },
  addExceptionAction: {
    role: "admin",
    fields: (ids) =>
      formArbitrary(exceptionCreateSchema, {
        clinicianId: someOf([ids.otherClinician]),
        date: localDay,
        start: clock,
        end: clock,
      }),
  },
  deleteExceptionAction: {
    role: "admin",
    fields: (ids) => formArbitrary(exceptionDeleteSchema, { clinicianId: someOf([ids.otherClinician]) }),
  },
  saveOfferedTypesAction: {
    role: "admin",
    fields: (ids) =>
      formArbitrary(offeredTypesSchema, {
        clinicianId: someOf([ids.otherClinician]),
        appointmentTypeId: someOf(ids.appointmentTypes),
      }),
  },
  saveTimeZoneAction: {
    role: "admin",
    fields: (ids) =>
      formArbitrary(clinicianTimeZoneSchema, {
        clinicianId: someOf([ids.otherClinician]),
        timeZone: fc.oneof(fc.constantFrom("America/New_York", "Etc/GMT+14", "Mars/Olympus_Mons"), hostile),
      }),
  },
  createMeetingAction: { role: "clinician", fields: () => formArbitrary(adHocMeetingForm) },
  lookupMeetingAction: {
    role: "staff",
    fields: () =>
      formArbitrary(joinUrlLookup, {
        joinWebUrl: fc.oneof(
          fieldArbitrary(joinUrlLookup.shape.joinWebUrl),
          fc.uuid().map((id) => `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${id}%40thread.v2/0`),
        ),
      }),
  },
  changeLocale: {
    role: "staff",
    fields: () => fc.record({ locale: fc.oneof(fc.constantFrom("en", "pt-BR"), hostile) }),
  },
  // the patient's page: the token is the credential, a session changes nothing
  confirmFromLink: { role: "clinician", fields: () => fc.record({ token: fc.oneof(fc.base64String(), hostile) }) },
  cancelFromLink: { role: "clinician", fields: () => fc.record({ token: fc.oneof(fc.base64String(), hostile) }) },
  signInWithMicrosoft: { role: "staff", fields: () => fc.constant({}) },
};

// Ends the session it is called with; it takes no fields, and the anonymous run above covers it.
const notFuzzedSignedIn = new Set(["signOutEverywhere"]);

// What a person's request can change, compared whole (row contents, not only counts). Work that runs
// on its own is left out, as in e2e/db.ts: meeting sync, reminders, the clinic line, sessions.
const snapshotQueries: Record<string, string> = {
  Patient: `select id, "firstName", "lastName", email, phone, locale, "timeZone", "updatedAt" from "Patient"`,
  Appointment: `select id, status, "startsAt", "endsAt", version, "joinTokenHash", "cancelledAt", "confirmedAt" from "Appointment"`,
  IdempotencyRecord: `select "actorId", scope, key from "IdempotencyRecord"`,
  WeeklyAvailability: `select * from "WeeklyAvailability"`,
  AvailabilityException: `select * from "AvailabilityException"`,
  ClinicianAppointmentTypes: `select * from "_ClinicianAppointmentTypes"`,
  User: `select id, role, "timeZone", active from "User"`,
  // a meeting Teams refused stays as a FAILED row on purpose (the list shows it, the audit has it)
  AdHocMeeting: `select id, subject, "startsAt", "endsAt" from "OnlineMeeting" where "appointmentId" is null and state <> 'FAILED'`,
  StaffCall: `select id from "Call" where purpose in ('MEETING_JOIN', 'GROUP_CALL')`,
  AuditLog: `select id from "AuditLog" where "actorId" is not null and "entityType" <> 'OnlineMeeting' and action not like 'graph.meeting.%'`,
};

async function snapshot(db: pg.Client): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, sql] of Object.entries(snapshotQueries)) {
    const { rows } = await db.query<{ digest: string; n: string }>(
      `select count(*) as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from (${sql}) t`,
    );
    out[name] = `${rows[0]!.n}:${rows[0]!.digest}`;
  }
  return out;
}

/** A refused call: the form's error state, or the patient page told the link was not good. */
function failed(status: number, headers: Record<string, string>, body: string): boolean {
  const location = headers["location"] ?? headers["x-action-redirect"] ?? "";
  if (status >= 300 && status < 400) return /done=(invalid|refused)/.test(location);
  return /"status":"error"|"ok":false/.test(body) || /done=(invalid|refused)/.test(location);
}

async function sessionFor(browser: Browser, role: Role, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL });
  await signIn(await context.newPage(), role);
  return context;
}

test("signed in, every server action with schema-shaped fields: no 5xx, no internals, no partial writes", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(420_000);
  const runs = 12;
  const seed = Date.now() | 0;
  const ids = await withDb(async (db): Promise<Ids> => {
    const other = await db.query<{ id: string }>(`select id from "User" where name = $1`, [
      demoUsers.otherClinician.name,
    ]);
    const types = await db.query<{ id: string }>(`select id from "AppointmentType"`);
    const patients = await db.query<{ id: string }>(`select id from "Patient" order by "createdAt" limit 5`);
    return {
      otherClinician: other.rows[0]!.id,
      appointmentTypes: types.rows.map((r) => r.id),
      patients: patients.rows.map((r) => r.id),
    };
  });
  const sessions: Partial<Record<Role, BrowserContext>> = {};
  const leaks: string[] = [];
  const errors: string[] = [];
  const partial: string[] = [];
  const outcomes: Record<string, { failed: number; succeeded: number }> = {};
  const actions = Object.entries(manifest.node).filter(([id, e]) => !notFuzzedSignedIn.has(e.exportedName ?? id));

  await withDb(async (db) => {
    for (const [index, [id, entry]] of actions.entries()) {
      const name = entry.exportedName ?? id;
      const spec = signedInSpecs[name] ?? { role: "admin" as const, fields: () => form };
      const client = (sessions[spec.role] ??= await sessionFor(browser, spec.role, baseURL!)).request;
      const path = pathOf(Object.keys(entry.workers)[0]!);
      const call = (args: string, fields: Record<string, string>) =>
        client.post(path, {
          maxRedirects: 0,
          headers: { origin: baseURL!, "next-action": id, "x-forwarded-for": `192.0.2.${(index % 100) + 1}` },
          multipart: reply(args, fields),
        });
      // either argument shape with an empty form is refused without a 5xx; the fields then go in the
      // shape the action's own form uses
      const args = formOnlyActions.has(name) ? shapes["(formData)"] : shapes["(state, formData)"];
      for (const [shape, candidate] of Object.entries(shapes)) {
        const status = (await call(candidate, {})).status();
        if (status >= 500) errors.push(`${name} (${spec.role}) ${status} for an empty form as ${shape}`);
      }
      const tally = (outcomes[name] = { failed: 0, succeeded: 0 });
      let before = await snapshot(db);
      const samples = fc.sample(spec.fields(ids), { numRuns: runs, seed: seed + index });
      for (const fields of spec.valid ? [...samples, spec.valid] : samples) {
        const response = await call(args, fields);
        const body = await response.text();
        const sent = `${JSON.stringify(fields).slice(0, 300)} (seed ${seed + index})`;
        if (response.status() >= 500) errors.push(`${name} (${spec.role}) ${response.status()} for ${sent}`);
        if (internals.test(body)) leaks.push(`${name} (${spec.role}): internals in the answer for ${sent}`);
        const after = await snapshot(db);
        if (failed(response.status(), response.headers(), body)) {
          tally.failed++;
          const changed = Object.keys(after).filter((table) => after[table] !== before[table]);
          if (changed.length)
            partial.push(`${name} (${spec.role}) failed but changed ${changed.join(", ")} for ${sent}`);
        } else {
          tally.succeeded++;
        }
        if (fields === spec.valid && failed(response.status(), response.headers(), body))
          errors.push(`${name} (${spec.role}) refused its valid example: ${body.slice(0, 300)}`);
        before = after;
      }
    }
  });
  // closing the contexts (not only disposing their request clients) leaves nothing for the next test's
  // fixtures to trip over
  await Promise.all(Object.values(sessions).map((context) => context.close()));
  test.info().annotations.push({ type: "outcomes", description: JSON.stringify(outcomes) });
  console.log(`signed-in fuzzing (seed ${seed}): ${JSON.stringify(outcomes)}`);

  expect(errors).toEqual([]);
  expect(leaks).toEqual([]);
  expect(partial).toEqual([]);
  // refusals were seen (and so compared) for most actions
  expect(Object.values(outcomes).filter((o) => o.failed > 0).length).toBeGreaterThan(10);
});
