// Hostile input against every JSON route handler, the query strings of the pages and the patient link:
// generated garbage never gets a 5xx, never a stack trace, never a row in the database; oversized
// bodies (JSON and server actions) are refused before they are read; patient-link guessing is
// rate-limited and unknown links all look the same.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { type APIRequestContext, type APIResponse, expect, request, test } from "@playwright/test";
import fc from "fast-check";
import { e2eDataDir } from "../playwright.config";
import { rowCounts, withDb } from "./db";
import { jsonHandlers, type World } from "./routes";
import { sessionsFor } from "./world";

const world: World = {
  appointment: crypto.randomUUID(),
  patient: crypto.randomUUID(),
  meeting: crypto.randomUUID(),
  clinician: crypto.randomUUID(),
  token: crypto.randomBytes(32).toString("base64url"),
  unknown: crypto.randomUUID(),
  unknownToken: crypto.randomBytes(32).toString("base64url"),
};

// a stack frame, a source path or a module path in a body means internals went out
const internals =
  /\n\s+at \S|\bat [^\s]+ \(.*:\d+:\d+\)|node_modules|\/work\/|\.next\/server|\.tsx?:\d+|webpack|prisma/i;

const pollutingKeys = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty");
const weirdString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }), // lone surrogates and control characters
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\ud800",
    "\uffff",
    "%00",
    "${7*7}",
    "{{7*7}}",
    "' OR 1=1 --",
    "<script>",
    "../../etc/passwd",
  ),
  fc.string({ minLength: 15_000, maxLength: 17_000 }), // around the 16 KiB JSON limit
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  weirdString,
  fc.anything({ maxDepth: 3, withNullPrototype: true, withBigInt: false }),
  fc.uuid(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const field = fc.constantFrom(
  "appointmentId",
  "userIds",
  "kind",
  "userId",
  "displayName",
  "e164",
  "participantId",
  "value",
);
const jsonBody: fc.Arbitrary<string> = fc.oneof(
  // the right field names with wrong or hostile values
  fc.dictionary(field, value, { maxKeys: 4 }).map((o) => JSON.stringify(o)),
  fc
    .record({ kind: fc.constantFrom("user", "phone", "other"), userId: value, e164: value })
    .map((o) => JSON.stringify(o)),
  fc.record({ userIds: fc.array(fc.uuid(), { minLength: 1, maxLength: 7 }) }).map((o) => JSON.stringify(o)),
  // prototype pollution, written as raw JSON so the keys survive
  fc
    .tuple(pollutingKeys, pollutingKeys, value)
    .map(([a, b, v]) => `{"${a}":{"${b}":${JSON.stringify(v ?? null) ?? "null"},"isAdmin":true},"role":"ADMIN"}`),
  // any JSON at all, and things that are not JSON
  fc.json({ maxDepth: 4 }),
  weirdString,
  fc.constantFrom("{", "[", '{"a":', "null", "[]", "0", '"x"', "{}".repeat(5000), "[".repeat(10_000)),
);
const rawBytes = fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)); // invalid UTF-8 too

// query-string values: impossible and far-off dates, ids, and the strings above (NUL and other
// control characters included); a list stands for a repeated key (?date=a&date=b)
const dateLike = fc
  .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
  .map(([y, m, d]) => `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`);
const queryValue: fc.Arbitrary<string | string[]> = fc.oneof(
  dateLike,
  fc.constantFrom("2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31", "day", "week", "system", "graph.*"),
  fc.uuid(),
  weirdString.filter((v) => v.length < 2_000),
  fc.array(fc.oneof(dateLike, fc.uuid()), { minLength: 2, maxLength: 3 }),
);

/** Pages that read their query string, with the keys each reads; `admin` for the admin-only ones. */
const queryPages = (appointment: string) => [
  { path: "/appointments", keys: ["view", "date", "clinician"] },
  { path: "/appointments/new", keys: ["clinician", "type", "patient", "q", "date"] },
  { path: `/appointments/${appointment}/reschedule`, keys: ["date"] },
  { path: "/patients", keys: ["q"] },
  { path: "/availability", keys: ["clinician"] },
  { path: "/calls/group", keys: ["call"] },
  { path: "/admin/audit", keys: ["actor", "action", "subject", "from", "to", "cursor"], admin: true },
  { path: "/admin/appointment-types", keys: ["created", "deleted"], admin: true },
  { path: "/admin/dashboard", keys: ["weeks"], admin: true },
];

function withQuery(pathname: string, query: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) for (const v of [value].flat()) params.append(key, v);
  return `${pathname}?${params}`;
}

/** The id of a server action in the build (its manifest), by exported name. */
function actionId(name: string): string {
  const manifest = JSON.parse(fs.readFileSync(".next/server/server-reference-manifest.json", "utf8")) as {
    node: Record<string, { exportedName?: string }>;
  };
  const found = Object.entries(manifest.node).find(([, entry]) => entry.exportedName === name);
  if (!found) throw new Error(`no server action ${name} in the build`);
  return found[0];
}

/** Lines of the server's log (scripts/start.ts tees it) that report a connection reset or a crash. */
function resetLines(): string[] {
  const log = fs.readFileSync(path.join(e2eDataDir, "server.log"), "utf8");
  return log.split("\n").filter((line) => /ECONNRESET|uncaughtException|failed to forward/.test(line));
}

function checkAnswer(response: APIResponse, body: string, what: string): void {
  expect(response.status(), `${what} → ${response.status()} ${body.slice(0, 300)}`).toBeLessThan(500);
  expect(body, `${what} leaked internals`).not.toMatch(internals);
}

test.describe("hostile input", () => {
  let staff: APIRequestContext;
  let admin: APIRequestContext;
  let anonymous: APIRequestContext;

  test.beforeAll(async ({ baseURL }) => {
    const states = sessionsFor(["staff", "admin"]);
    const headers = { origin: baseURL!, "x-forwarded-for": "192.0.2.1" };
    staff = await request.newContext({ baseURL, storageState: states.staff, extraHTTPHeaders: headers });
    admin = await request.newContext({ baseURL, storageState: states.admin, extraHTTPHeaders: headers });
    anonymous = await request.newContext({ baseURL, extraHTTPHeaders: headers });
  });

  test.afterAll(async () => {
    await staff.dispose();
    await admin.dispose();
    await anonymous.dispose();
  });

  test("generated query strings to every page that reads one: no 5xx, no internals, no rows", async () => {
    test.setTimeout(240_000);
    const appointment = await withDb(async (db) => {
      const { rows } = await db.query<{ id: string }>(`select id from "Appointment" order by "startsAt" limit 1`);
      return rows[0]?.id ?? crypto.randomUUID();
    });
    const before = await rowCounts();
    for (const page of queryPages(appointment)) {
      const client = page.admin ? admin : staff;
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.constantFrom(...page.keys), queryValue, { maxKeys: page.keys.length }),
          async (query) => {
            const url = withQuery(page.path, query);
            const response = await client.get(url, { maxRedirects: 0 });
            checkAnswer(response, await response.text(), `GET ${url}`);
          },
        ),
        { numRuns: 25, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
      );
    }
    // the reads audit themselves (who opened what), nothing else is written
    const after = await rowCounts();
    expect({ ...after, AuditLog: 0 }).toEqual({ ...before, AuditLog: 0 });
  });

  for (const who of ["staff", "anonymous"] as const) {
    test(`generated bodies to every JSON handler, ${who}: no 5xx, no internals, no rows`, async () => {
      test.setTimeout(240_000);
      const client = who === "staff" ? staff : anonymous;
      const before = await rowCounts();
      for (const handler of jsonHandlers(world)) {
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(jsonBody, rawBytes),
            fc.constantFrom(
              "application/json",
              "text/plain",
              "application/x-www-form-urlencoded",
              "application/json; charset=latin1",
            ),
            async (body, contentType) => {
              const response = await client.post(handler.path, {
                data: body,
                headers: { "content-type": contentType },
              });
              checkAnswer(response, await response.text(), `POST ${handler.file}`);
            },
          ),
          { numRuns: 60, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
        );
      }
      expect(await rowCounts()).toEqual(before);
    });
  }

  test("an oversized body is refused with 413 before it is read", async () => {
    const twoMegabytes = JSON.stringify({ appointmentId: "x".repeat(2 * 1024 * 1024) });
    for (const handler of jsonHandlers(world)) {
      const started = Date.now();
      const response = await staff.post(handler.path, {
        data: twoMegabytes,
        headers: { "content-type": "application/json" },
      });
      expect(response.status(), handler.file).toBe(413);
      expect(Date.now() - started, handler.file).toBeLessThan(2_000);
      checkAnswer(response, await response.text(), handler.file);
    }
    // the handlers that read their bodies themselves: Auth.js's forms and the bot's webhook
    for (const path of ["/api/auth/signout", "/api/calls/notifications"]) {
      const response = await staff.post(path, { data: twoMegabytes, headers: { "content-type": "application/json" } });
      expect(response.status(), path).toBe(413);
      checkAnswer(response, await response.text(), path);
    }
  });

  test("a server action's body over 1 MB is refused with 413, with or without JavaScript", async () => {
    const big = "x".repeat(2 * 1024 * 1024);
    const action = actionId("createPatientAction");
    // as React sends an action (fetch with the Next-Action header) and as a form posts without JavaScript
    const fetched = await staff.post("/patients/new", {
      headers: { "next-action": action },
      multipart: { "1_firstName": big, "0": '["$K1"]' },
    });
    expect(fetched.status()).toBe(413);
    checkAnswer(fetched, await fetched.text(), "server action, 2 MB");
    const posted = await staff.post("/patients/new", {
      multipart: { [`$ACTION_ID_${action}`]: "", firstName: big },
    });
    expect(posted.status()).toBe(413);
    checkAnswer(posted, await posted.text(), "form post, 2 MB");
  });

  test("server actions refused for a spent patient-link budget leave no connection reset in the log", async ({
    playwright,
    baseURL,
  }) => {
    const from = "192.0.2.81";
    const client = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": from } });
    for (let i = 0; i < 31; i++) await client.get(`/j/${crypto.randomBytes(32).toString("base64url")}`);
    const before = resetLines().length;
    // the patient link's action posted to another page: Next forwards it to /j/[token], from this address
    const confirm = actionId("confirmFromLink");
    for (let i = 0; i < 10; i++) {
      const form = new FormData();
      form.append("1_token", crypto.randomBytes(32).toString("base64url"));
      form.append("0", '["$K1"]');
      const response = await client.post("/", {
        headers: { origin: baseURL!, "next-action": confirm },
        multipart: form,
      });
      expect(response.status()).toBeLessThan(500);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the log is teed asynchronously
    expect(resetLines().slice(before)).toEqual([]);
    await client.dispose();
  });

  test("unknown patient links all look alike, and the 31st guess in a minute is refused", async ({
    playwright,
    baseURL,
  }) => {
    const client = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { "x-forwarded-for": "192.0.2.77" },
    });
    const validShape = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("base64url"));
    // the wrong length or alphabet; unreserved characters only, so the path reaches the page unchanged
    const invalidShape = fc.oneof(
      // at least 3 characters: a one-letter "token" collides with keys of the router state the test normalises
      fc.stringMatching(/^[A-Za-z0-9_~-]{3,42}$/),
      fc.stringMatching(/^[A-Za-z0-9_~-]{44,120}$/),
      fc.stringMatching(/^[A-Za-z0-9~]{20,30}~[A-Za-z0-9]{12}$/),
      fc.constantFrom("null", "undefined", "0", "~", "a.b", "-".repeat(43)),
    );
    // distinct links: opening one already tried again costs nothing against the guessing cap
    const [tokens] = fc.sample(fc.uniqueArray(fc.oneof(validShape, invalidShape), { minLength: 40, maxLength: 40 }), 1);
    const bodies = new Map<string, string>();
    for (const [i, token] of tokens!.entries()) {
      const response = await client.get(`/j/${token}`, { maxRedirects: 0 });
      const body = await response.text();
      expect(body).not.toMatch(internals);
      if (i < 30) {
        expect(response.status(), `guess ${i + 1} (${token})`).toBe(404);
        // the page carries this request's CSP nonce and echoes the path in its router state, and React
        // may stream its rows in another order (a malformed link is refused before the database is
        // asked); nothing else may differ between one unknown link and another
        const nonce = /nonce-([A-Za-z0-9+/=]+)/.exec(response.headers()["content-security-policy"] ?? "")?.[1];
        const normal = body
          .split(nonce ?? "\u0000")
          .join("NONCE")
          .split(`\\"k\\":\\"${token}\\"`)
          .join("KEY")
          .split(`\\"j\\",\\"${token}\\"`)
          .join("PATH")
          .split(/\\n|<\/script>/)
          .sort()
          .join("\n");
        bodies.set(normal, token);
      } else {
        expect(response.status(), `guess ${i + 1}`).toBe(429);
        expect(Number(response.headers()["retry-after"])).toBeGreaterThan(0);
      }
    }
    const [first, ...others] = [...bodies.keys()];
    for (const other of others) {
      let at = 0;
      while (first![at] === other[at]) at++;
      const around = (text: string) => text.slice(Math.max(0, at - 120), at + 120);
      expect(around(other), `the page for ${bodies.get(other)} differs from ${bodies.get(first!)}`).toBe(
        around(first!),
      );
    }
    await client.dispose();
  });

  test("a made-up X-Forwarded-For does not buy more guesses", async ({ playwright, baseURL }) => {
    const client = await playwright.request.newContext({ baseURL });
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) {
      // the caller writes whatever it likes to the left of what the proxy in front appended
      const response = await client.get(`/j/${crypto.randomBytes(32).toString("base64url")}`, {
        headers: { "x-forwarded-for": `10.${i}.0.1, 192.0.2.79` },
      });
      statuses.push(response.status());
    }
    expect(statuses.slice(0, 30).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
    await client.dispose();
  });

  test("an unknown calendar file answers exactly like a malformed one", async ({ playwright, baseURL }) => {
    const client = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { "x-forwarded-for": "192.0.2.78" },
    });
    const valid = await client.get(`/j/${crypto.randomBytes(32).toString("base64url")}/calendar.ics`);
    const invalid = await client.get(`/j/not-a-token/calendar.ics`);
    expect([valid.status(), invalid.status()]).toEqual([404, 404]);
    expect(await valid.text()).toBe(await invalid.text());
    await client.dispose();
  });
});
