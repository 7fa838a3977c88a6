// Hostile input against every JSON route handler and the patient link: generated garbage never gets
// a 5xx, never a stack trace, never a row in the database; oversized bodies are refused before they
// are read; patient-link guessing is rate-limited and unknown links all look the same.
import crypto from "node:crypto";
import { type APIRequestContext, type APIResponse, expect, request, test } from "@playwright/test";
import fc from "fast-check";
import { rowCounts } from "./db";
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

function checkAnswer(response: APIResponse, body: string, what: string): void {
  expect(response.status(), `${what} → ${response.status()} ${body.slice(0, 300)}`).toBeLessThan(500);
  expect(body, `${what} leaked internals`).not.toMatch(internals);
}

test.describe("hostile input", () => {
  let staff: APIRequestContext;
  let anonymous: APIRequestContext;

  test.beforeAll(async ({ browser, baseURL }) => {
    test.setTimeout(120_000);
    const states = await sessionsFor(browser, ["staff"]);
    const headers = { origin: baseURL!, "x-forwarded-for": "192.0.2.1" };
    staff = await request.newContext({ baseURL, storageState: states.staff, extraHTTPHeaders: headers });
    anonymous = await request.newContext({ baseURL, extraHTTPHeaders: headers });
  });

  test.afterAll(async () => {
    await staff.dispose();
    await anonymous.dispose();
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
    const tokens = fc.sample(fc.oneof(validShape, invalidShape), { numRuns: 40 });
    const bodies = new Map<string, string>();
    for (const [i, token] of tokens.entries()) {
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
