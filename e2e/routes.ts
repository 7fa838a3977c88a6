// The authorization matrix: every page and route handler under app/, for every kind of visitor, with
// the status it must answer. e2e/authorization.spec.ts walks app/ and fails when a page.tsx or
// route.ts has no entry here, so a new route cannot ship without someone deciding who may open it.
//
// "→/" is a redirect to the landing page (sign in first). Wrong roles and other people's records get
// 404, not 403, on pages: a page never confirms that something exists. JSON handlers answer 401
// without a session and 403 for a role that may never use them.

export const visitors = ["anonymous", "patientLink", "clinician", "otherClinician", "staff", "admin"] as const;
export type Visitor = (typeof visitors)[number];

/** Real ids made by the test (see authorization.spec.ts), and ids that exist nowhere. */
export interface World {
  /** an appointment of the clinician (Dra. Ana Ribeiro), booked by the test */
  appointment: string;
  /** its patient */
  patient: string;
  /** the appointment's Teams meeting row */
  meeting: string;
  /** the clinician's user id */
  clinician: string;
  /** the appointment's patient link token */
  token: string;
  /** a random uuid */
  unknown: string;
  /** a patient link token of the right shape that was never issued */
  unknownToken: string;
}

type Expected = number | "→/";

export interface RouteCase {
  /** the file under app/ that serves it */
  file: string;
  /** what this case is about, when a file has several */
  label?: string;
  method: "GET" | "POST";
  path: (w: World) => string;
  /** JSON body for POST */
  body?: (w: World) => unknown;
  /** extra request headers (e.g. a foreign Origin) */
  headers?: Record<string, string>;
  expect: Record<Visitor, Expected>;
}

const all = (status: Expected): Record<Visitor, Expected> => ({
  anonymous: status,
  patientLink: status,
  clinician: status,
  otherClinician: status,
  staff: status,
  admin: status,
});

/** An app page: visitors without a session are sent to sign in. */
const appPage = (clinician: Expected, otherClinician: Expected, staff: Expected, admin: Expected) => ({
  anonymous: "→/" as const,
  patientLink: "→/" as const,
  clinician,
  otherClinician,
  staff,
  admin,
});

/** A JSON handler: 401 without a session. */
const api = (clinician: number, otherClinician: number, staff: number, admin: number) => ({
  anonymous: 401,
  patientLink: 401,
  clinician,
  otherClinician,
  staff,
  admin,
});

export const routeTable: RouteCase[] = [
  // --- pages ---------------------------------------------------------------------------------------
  { file: "app/page.tsx", method: "GET", path: () => "/", expect: all(200) },
  {
    file: "app/(app)/appointments/page.tsx",
    method: "GET",
    path: () => "/appointments",
    expect: appPage(200, 200, 200, 200),
  },
  {
    file: "app/(app)/appointments/new/page.tsx",
    method: "GET",
    path: () => "/appointments/new",
    expect: appPage(200, 200, 200, 200),
  },
  {
    file: "app/(app)/appointments/[id]/page.tsx",
    label: "the clinician's appointment",
    method: "GET",
    path: (w) => `/appointments/${w.appointment}`,
    expect: appPage(200, 404, 200, 200),
  },
  {
    file: "app/(app)/appointments/[id]/page.tsx",
    label: "unknown id",
    method: "GET",
    path: (w) => `/appointments/${w.unknown}`,
    expect: appPage(404, 404, 404, 404),
  },
  {
    file: "app/(app)/appointments/[id]/page.tsx",
    label: "malformed id",
    method: "GET",
    path: () => "/appointments/..%2F..%2Fetc%2Fpasswd",
    expect: appPage(404, 404, 404, 404),
  },
  {
    file: "app/(app)/appointments/[id]/reschedule/page.tsx",
    label: "the clinician's appointment",
    method: "GET",
    path: (w) => `/appointments/${w.appointment}/reschedule`,
    expect: appPage(200, 404, 200, 200),
  },
  {
    file: "app/(app)/appointments/[id]/reschedule/page.tsx",
    label: "unknown id",
    method: "GET",
    path: (w) => `/appointments/${w.unknown}/reschedule`,
    expect: appPage(404, 404, 404, 404),
  },
  // availability belongs to clinicians; staff do not edit it
  {
    file: "app/(app)/availability/page.tsx",
    method: "GET",
    path: () => "/availability",
    expect: appPage(200, 200, 404, 200),
  },
  {
    file: "app/(app)/availability/[clinicianId]/page.tsx",
    label: "the clinician's own",
    method: "GET",
    path: (w) => `/availability/${w.clinician}`,
    expect: appPage(200, 404, 404, 200),
  },
  {
    file: "app/(app)/availability/[clinicianId]/page.tsx",
    label: "unknown clinician",
    method: "GET",
    path: (w) => `/availability/${w.unknown}`,
    expect: appPage(404, 404, 404, 404),
  },
  { file: "app/(app)/meetings/page.tsx", method: "GET", path: () => "/meetings", expect: appPage(200, 200, 200, 200) },
  {
    file: "app/(app)/meetings/[id]/page.tsx",
    label: "the clinician's meeting",
    method: "GET",
    path: (w) => `/meetings/${w.meeting}`,
    expect: appPage(200, 404, 200, 200),
  },
  {
    file: "app/(app)/meetings/[id]/page.tsx",
    label: "unknown id",
    method: "GET",
    path: (w) => `/meetings/${w.unknown}`,
    expect: appPage(404, 404, 404, 404),
  },
  // the call log and group calls are the front desk's
  {
    file: "app/(app)/admin/audit/page.tsx",
    label: "a search by subject",
    method: "GET",
    path: (w) => `/admin/audit?subject=${w.appointment}`,
    expect: appPage(404, 404, 404, 200),
  },
  {
    file: "app/(app)/admin/audit/page.tsx",
    label: "malformed filters",
    method: "GET",
    path: () => "/admin/audit?from=2026-02-31&actor=x&actor=y&cursor=%00",
    expect: appPage(404, 404, 404, 200),
  },
  // the visits dashboard is the admins'
  {
    file: "app/(app)/admin/dashboard/page.tsx",
    method: "GET",
    path: () => "/admin/dashboard",
    expect: appPage(404, 404, 404, 200),
  },
  {
    file: "app/(app)/admin/dashboard/page.tsx",
    label: "a week count it does not offer",
    method: "GET",
    path: () => "/admin/dashboard?weeks=999&weeks=-1",
    expect: appPage(404, 404, 404, 200),
  },
  { file: "app/(app)/calls/page.tsx", method: "GET", path: () => "/calls", expect: appPage(404, 404, 200, 200) },
  {
    file: "app/(app)/calls/group/page.tsx",
    method: "GET",
    path: () => "/calls/group",
    expect: appPage(404, 404, 200, 200),
  },
  // patients are the clinic's: every clinician may look one up (reads are audited)
  { file: "app/(app)/patients/page.tsx", method: "GET", path: () => "/patients", expect: appPage(200, 200, 200, 200) },
  {
    file: "app/(app)/patients/new/page.tsx",
    method: "GET",
    path: () => "/patients/new",
    expect: appPage(200, 200, 200, 200),
  },
  {
    file: "app/(app)/patients/[id]/page.tsx",
    label: "a patient",
    method: "GET",
    path: (w) => `/patients/${w.patient}`,
    expect: appPage(200, 200, 200, 200),
  },
  {
    file: "app/(app)/patients/[id]/page.tsx",
    label: "unknown id",
    method: "GET",
    path: (w) => `/patients/${w.unknown}`,
    expect: appPage(404, 404, 404, 404),
  },
  // merging duplicates is correcting records, which every role on the clinic side may do
  {
    file: "app/(app)/patients/[id]/merge/page.tsx",
    label: "a patient",
    method: "GET",
    path: (w) => `/patients/${w.patient}/merge`,
    expect: appPage(200, 200, 200, 200),
  },
  {
    file: "app/(app)/patients/[id]/merge/page.tsx",
    label: "unknown id",
    method: "GET",
    path: (w) => `/patients/${w.unknown}/merge?other=${w.patient}`,
    expect: appPage(404, 404, 404, 404),
  },
  // what the phone line does and says is the administrators' (everyone else: the page does not exist)
  {
    file: "app/(app)/admin/prompts/page.tsx",
    method: "GET",
    path: () => "/admin/prompts",
    expect: appPage(404, 404, 404, 200),
  },
  {
    file: "app/(app)/admin/clinic-line/page.tsx",
    method: "GET",
    path: () => "/admin/clinic-line",
    expect: appPage(404, 404, 404, 200),
  },
  {
    file: "app/(app)/admin/clinic-line/new/page.tsx",
    method: "GET",
    path: () => "/admin/clinic-line/new",
    expect: appPage(404, 404, 404, 200),
  },
  {
    file: "app/(app)/admin/clinic-line/[id]/page.tsx",
    label: "unknown rule",
    method: "GET",
    path: (w) => `/admin/clinic-line/${w.unknown}`,
    expect: appPage(404, 404, 404, 404),
  },
  {
    file: "app/(app)/admin/clinic-line/[id]/page.tsx",
    label: "malformed id",
    method: "GET",
    path: () => "/admin/clinic-line/..%2F..%2Fetc%2Fpasswd",
    expect: appPage(404, 404, 404, 404),
  },
  // what can be booked, and its rules, is the administrators' to set
  {
    file: "app/(app)/admin/appointment-types/page.tsx",
    method: "GET",
    path: () => "/admin/appointment-types",
    expect: appPage(404, 404, 404, 200),
  },
  {
    file: "app/(app)/admin/appointment-types/new/page.tsx",
    method: "GET",
    path: () => "/admin/appointment-types/new",
    expect: appPage(404, 404, 404, 200),
  },
  {
    file: "app/(app)/admin/appointment-types/[id]/page.tsx",
    label: "unknown type",
    method: "GET",
    path: (w) => `/admin/appointment-types/${w.unknown}`,
    expect: appPage(404, 404, 404, 404),
  },
  {
    file: "app/(app)/admin/appointment-types/[id]/page.tsx",
    label: "malformed id",
    method: "GET",
    path: () => "/admin/appointment-types/..%2F..%2Fetc%2Fpasswd",
    expect: appPage(404, 404, 404, 404),
  },
  // the link is the credential: whoever holds it sees the page, nobody else can tell it exists
  {
    file: "app/j/[token]/page.tsx",
    label: "issued link",
    method: "GET",
    path: (w) => `/j/${w.token}`,
    expect: all(200),
  },
  {
    file: "app/j/[token]/page.tsx",
    label: "never issued",
    method: "GET",
    path: (w) => `/j/${w.unknownToken}`,
    expect: all(404),
  },
  // the patient's own cancellation asks first: the same rule as the page
  {
    file: "app/j/[token]/cancel/page.tsx",
    label: "issued link",
    method: "GET",
    path: (w) => `/j/${w.token}/cancel`,
    expect: all(200),
  },
  {
    file: "app/j/[token]/cancel/page.tsx",
    label: "never issued",
    method: "GET",
    path: (w) => `/j/${w.unknownToken}/cancel`,
    expect: all(404),
  },

  // --- route handlers ------------------------------------------------------------------------------
  {
    file: "app/j/[token]/calendar.ics/route.ts",
    label: "issued link",
    method: "GET",
    path: (w) => `/j/${w.token}/calendar.ics`,
    expect: all(200),
  },
  {
    file: "app/j/[token]/calendar.ics/route.ts",
    label: "never issued",
    method: "GET",
    path: (w) => `/j/${w.unknownToken}/calendar.ics`,
    expect: all(404),
  },
  { file: "app/api/ping/route.ts", method: "GET", path: () => "/api/ping", expect: all(204) },
  { file: "app/api/ping/route.ts", method: "POST", path: () => "/api/ping", expect: all(204) },
  // prompt audio is fetched by Microsoft's media platform without credentials; it never names the patient
  {
    file: "app/api/prompts/[locale]/[key]/route.ts",
    label: "a prompt",
    method: "GET",
    path: () => "/api/prompts/pt-BR/reminder.wav",
    expect: all(200),
  },
  {
    file: "app/api/prompts/[locale]/[key]/route.ts",
    label: "a path out of the folder",
    method: "GET",
    path: () => "/api/prompts/pt-BR/..%2F..%2F..%2Fpackage.json",
    expect: all(404),
  },
  {
    file: "app/api/prompts/[locale]/[key]/route.ts",
    label: "a version no text has",
    method: "GET",
    path: () => "/api/prompts/pt-BR/reminder.wav?v=0123456789abcdef",
    expect: all(404),
  },
  {
    file: "app/api/appointments/route.ts",
    label: "a booking that cannot be made",
    method: "POST",
    path: () => "/api/appointments",
    headers: { "idempotency-key": "authorization-matrix" },
    body: (w) => ({
      clinicianId: w.clinician,
      appointmentTypeId: w.unknown,
      patientId: w.patient,
      startsAt: "2020-01-06T12:00:00.000Z",
    }),
    expect: api(422, 403, 422, 422),
  },
  {
    file: "app/api/appointments/[id]/remind/route.ts",
    method: "POST",
    path: (w) => `/api/appointments/${w.unknown}/remind`,
    expect: api(403, 403, 404, 404),
  },
  // the visit's rescue call: staff, or the visit's own clinician (the live meeting's rule)
  {
    file: "app/api/appointments/[id]/rescue/route.ts",
    method: "GET",
    path: (w) => `/api/appointments/${w.appointment}/rescue`,
    expect: api(200, 404, 200, 200),
  },
  {
    file: "app/api/appointments/[id]/rescue/route.ts",
    label: "call the patient of a visit that does not exist",
    method: "POST",
    path: (w) => `/api/appointments/${w.unknown}/rescue`,
    expect: api(404, 404, 404, 404),
  },
  { file: "app/api/health/route.ts", method: "GET", path: () => "/api/health", expect: all(200) },
  {
    file: "app/api/auth/[...nextauth]/route.ts",
    label: "session",
    method: "GET",
    path: () => "/api/auth/session",
    expect: all(200),
  },
  {
    file: "app/api/auth/[...nextauth]/route.ts",
    label: "unknown action",
    method: "GET",
    path: () => "/api/auth/nothing-here",
    expect: all(400),
  },
  {
    file: "app/api/calls/group/route.ts",
    label: "invalid body",
    method: "POST",
    path: () => "/api/calls/group",
    body: () => ({ userIds: [] }),
    expect: api(403, 403, 400, 400),
  },
  {
    file: "app/api/calls/group/route.ts",
    label: "from another site",
    method: "POST",
    path: () => "/api/calls/group",
    body: () => ({ userIds: [] }),
    headers: { origin: "https://evil.example" },
    expect: all(403),
  },
  {
    file: "app/api/calls/group/route.ts",
    label: "GET",
    method: "GET",
    path: () => "/api/calls/group",
    expect: all(405),
  },
  {
    file: "app/api/calls/join/route.ts",
    label: "unknown appointment",
    method: "POST",
    path: () => "/api/calls/join",
    body: (w) => ({ appointmentId: w.unknown }),
    expect: api(404, 404, 404, 404),
  },
  {
    file: "app/api/calls/[id]/invite/route.ts",
    method: "POST",
    path: (w) => `/api/calls/${w.unknown}/invite`,
    body: () => ({ kind: "user", userId: "someone" }),
    // a clinician acts in the calls of their own visits (issue 19): an unknown call is not found for anyone
    expect: api(404, 404, 404, 404),
  },
  {
    file: "app/api/calls/[id]/mute/route.ts",
    method: "POST",
    path: (w) => `/api/calls/${w.unknown}/mute`,
    body: () => ({ participantId: "p" }),
    // a clinician acts in the calls of their own visits (issue 19): an unknown call is not found for anyone
    expect: api(404, 404, 404, 404),
  },
  {
    file: "app/api/calls/[id]/remove/route.ts",
    method: "POST",
    path: (w) => `/api/calls/${w.unknown}/remove`,
    body: () => ({ participantId: "p" }),
    // a clinician acts in the calls of their own visits (issue 19): an unknown call is not found for anyone
    expect: api(404, 404, 404, 404),
  },
  {
    file: "app/api/calls/[id]/leave/route.ts",
    method: "POST",
    path: (w) => `/api/calls/${w.unknown}/leave`,
    expect: api(404, 404, 404, 404),
  },
  {
    file: "app/api/calls/[id]/roster/route.ts",
    method: "GET",
    path: (w) => `/api/calls/${w.unknown}/roster`,
    expect: api(404, 404, 404, 404),
  },
  // the waiting room: each signed-in person gets what they may see (a clinician, their own visits)
  {
    file: "app/api/waiting-room/route.ts",
    method: "GET",
    path: () => "/api/waiting-room",
    expect: api(200, 200, 200, 200),
  },
  // the bot's webhook: only Microsoft's signed tokens get in, sessions count for nothing
  {
    file: "app/api/calls/notifications/route.ts",
    method: "POST",
    path: () => "/api/calls/notifications",
    body: () => ({ value: [] }),
    expect: all(401),
  },
  // Graph's change notifications for the clinicians' Outlook: only a clinician's current clientState gets in
  {
    file: "app/api/outlook/notifications/route.ts",
    method: "POST",
    path: () => "/api/outlook/notifications",
    body: () => ({ value: [{ subscriptionId: "x", clientState: "guessed", changeType: "created" }] }),
    expect: all(403),
  },
  // Event Grid's ACS SMS events carry the subscription's secret; a session is not what authenticates them
  {
    file: "app/api/messages/events/route.ts",
    method: "POST",
    path: () => "/api/messages/events",
    body: () => [],
    expect: all(401),
  },
];

/** JSON handlers that take a body, for the fuzzing in e2e/hostile-input.spec.ts. */
export const jsonHandlers = (w: World): { file: string; path: string }[] => [
  { file: "app/api/appointments/route.ts", path: "/api/appointments" },
  { file: "app/api/appointments/[id]/remind/route.ts", path: `/api/appointments/${w.unknown}/remind` },
  { file: "app/api/appointments/[id]/rescue/route.ts", path: `/api/appointments/${w.unknown}/rescue` },
  { file: "app/api/calls/group/route.ts", path: "/api/calls/group" },
  { file: "app/api/calls/join/route.ts", path: "/api/calls/join" },
  { file: "app/api/calls/[id]/invite/route.ts", path: `/api/calls/${w.unknown}/invite` },
  { file: "app/api/calls/[id]/mute/route.ts", path: `/api/calls/${w.unknown}/mute` },
  { file: "app/api/calls/[id]/remove/route.ts", path: `/api/calls/${w.unknown}/remove` },
  { file: "app/api/calls/[id]/leave/route.ts", path: `/api/calls/${w.unknown}/leave` },
  { file: "app/api/calls/notifications/route.ts", path: "/api/calls/notifications" },
  { file: "app/api/messages/events/route.ts", path: "/api/messages/events" },
  { file: "app/api/outlook/notifications/route.ts", path: "/api/outlook/notifications" },
];
