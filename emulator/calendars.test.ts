import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "./server";
import { ANA, appToken, RAFAEL, request, startTestEmulator } from "./test/helpers";

// Mailbox calendars: events, calendarView delta with its paging and token rules, and subscriptions with the
// validation handshake, change and lifecycle notifications (emulator/CONTRACT.md#calendars).

let emu: RunningEmulator;
let token: string;

beforeAll(async () => {
  emu = await startTestEmulator();
  token = await appToken(emu);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await request(emu, "POST", "/_emulator/reset");
});

const EVENTS = `/v1.0/users/${ANA}/events`;
const WINDOW = "startDateTime=2030-06-01T00:00:00&endDateTime=2030-06-08T00:00:00";
const DELTA = `/v1.0/users/${ANA}/calendarView/delta?${WINDOW}`;

const ownerEvent = (start: string, end: string, extra: Record<string, unknown> = {}) =>
  request(emu, "POST", `/_emulator/mailboxes/${ANA}/events`, { body: { subject: "Dentist", start, end, ...extra } });

/** Follows nextLinks to the deltaLink; returns every item of the round and the deltaLink. */
async function deltaRound(first: string, pageSize = 2) {
  const items: any[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  let url = first;
  for (let pages = 0; pages < 50; pages++) {
    const res = await request(emu, "GET", url, { token, headers: { prefer: `odata.maxpagesize=${pageSize}` } });
    expect(res.status, res.text).toBe(200);
    items.push(...res.json.value);
    if (res.json["@odata.deltaLink"]) return { items, deltaLink: res.json["@odata.deltaLink"] as string, pages };
    url = res.json["@odata.nextLink"];
    expect(url).toMatch(/\$skiptoken=/);
  }
  throw new Error("no deltaLink after 50 pages");
}

describe("events", () => {
  it("creates, reads, moves and deletes an event, in UTC unless another zone is preferred", async () => {
    const created = await request(emu, "POST", EVENTS, {
      token,
      body: {
        subject: "Consulta",
        start: { dateTime: "2030-06-03T10:00:00", timeZone: "America/Sao_Paulo" },
        end: { dateTime: "2030-06-03T10:30:00", timeZone: "America/Sao_Paulo" },
        sensitivity: "private",
        showAs: "busy",
      },
    });
    expect(created.status).toBe(201);
    expect(created.json.start).toEqual({ dateTime: "2030-06-03T13:00:00.0000000", timeZone: "UTC" });
    expect(created.json.sensitivity).toBe("private");
    expect(created.json).not.toHaveProperty("transactionId");
    const id = created.json.id as string;
    const local = await request(emu, "GET", `${EVENTS}/${id}`, {
      token,
      headers: { prefer: 'outlook.timezone="America/Sao_Paulo"' },
    });
    expect(local.json.start).toEqual({ dateTime: "2030-06-03T10:00:00.0000000", timeZone: "America/Sao_Paulo" });
    const moved = await request(emu, "PATCH", `${EVENTS}/${id}`, {
      token,
      body: {
        start: { dateTime: "2030-06-03T15:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-06-03T15:30:00", timeZone: "UTC" },
      },
    });
    expect(moved.json.start.dateTime).toBe("2030-06-03T15:00:00.0000000");
    expect((await request(emu, "DELETE", `${EVENTS}/${id}`, { token })).status).toBe(204);
    const gone = await request(emu, "GET", `${EVENTS}/${id}`, { token });
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe("ErrorItemNotFound");
  });

  it("finds an event by its single-value extended property, and a repeated transactionId makes no second event", async () => {
    const prop = "String {6f5e1b4c-8a3d-4f2e-9c7b-1d2e3f4a5b6c} Name ConsultaAppointmentId";
    const body = {
      subject: "Consulta",
      transactionId: "consulta-abc",
      start: { dateTime: "2030-06-03T13:00:00", timeZone: "UTC" },
      end: { dateTime: "2030-06-03T13:30:00", timeZone: "UTC" },
      singleValueExtendedProperties: [{ id: prop, value: "abc" }],
    };
    const first = await request(emu, "POST", EVENTS, { token, body });
    const again = await request(emu, "POST", EVENTS, { token, body });
    expect(again.json.id).toBe(first.json.id);
    expect(first.json.transactionId).toBe("consulta-abc");
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${prop}' and ep/value eq 'ABC')`;
    const found = await request(emu, "GET", `${EVENTS}?$filter=${encodeURIComponent(filter)}`, { token });
    expect(found.status, found.text).toBe(200);
    expect(found.json.value.map((e: { id: string }) => e.id)).toEqual([first.json.id]);
    // the property's Name is case-sensitive
    const other = filter.replace("ConsultaAppointmentId", "consultaappointmentid");
    expect((await request(emu, "GET", `${EVENTS}?$filter=${encodeURIComponent(other)}`, { token })).json.value).toEqual(
      [],
    );
    const expanded = await request(
      emu,
      "GET",
      `${EVENTS}/${first.json.id}?$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${prop}')`)}`,
      { token },
    );
    expect(expanded.json.singleValueExtendedProperties).toEqual([{ id: prop, value: "abc" }]);
  });

  it("refuses a mailbox outside the Exchange application access policy", async () => {
    await request(emu, "PUT", "/_emulator/mailbox-access-policy", { body: { allowAll: false, userIds: [RAFAEL] } });
    const refused = await request(emu, "GET", DELTA, { token });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe("ErrorAccessDenied");
    expect((await request(emu, "GET", `/v1.0/users/${RAFAEL}/calendarView/delta?${WINDOW}`, { token })).status).toBe(
      200,
    );
  });
});

describe("calendarView delta", () => {
  it("pages the first round with skip tokens, then reports additions, moves out of the window and deletions", async () => {
    const ids: string[] = [];
    for (let day = 2; day <= 6; day++)
      ids.push((await ownerEvent(`2030-06-0${day}T12:00:00Z`, `2030-06-0${day}T13:00:00Z`)).json.id);
    await ownerEvent("2030-07-01T12:00:00Z", "2030-07-01T13:00:00Z"); // outside the window
    const first = await deltaRound(DELTA);
    expect(first.items.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(first.pages).toBe(2);
    expect(first.deltaLink).toMatch(/\$deltatoken=/);

    const nothing = await deltaRound(first.deltaLink);
    expect(nothing.items).toEqual([]);

    const added = (await ownerEvent("2030-06-04T16:00:00Z", "2030-06-04T17:00:00Z")).json.id;
    await request(emu, "PATCH", `/_emulator/mailboxes/${ANA}/events/${ids[0]}`, {
      body: { start: "2030-06-20T12:00:00Z", end: "2030-06-20T13:00:00Z" },
    });
    await request(emu, "DELETE", `/_emulator/mailboxes/${ANA}/events/${ids[1]}`);
    const next = await deltaRound(nothing.deltaLink);
    const byId = new Map(next.items.map((e) => [e.id, e]));
    expect(byId.get(added)?.subject).toBe("Dentist");
    expect(byId.get(ids[0])?.["@removed"]).toEqual({ reason: "deleted" });
    expect(byId.get(ids[1])?.["@removed"]).toEqual({ reason: "deleted" });
    expect(next.items).toHaveLength(3);
    // the same deltaLink again replays the same changes (tokens are not spent)
    expect((await deltaRound(nothing.deltaLink)).items).toHaveLength(3);
  });

  it("answers an expired token with 410 Gone (syncStateNotFound) and the round's first URL", async () => {
    const { deltaLink } = await deltaRound(DELTA);
    const expired = await request(emu, "POST", `/_emulator/mailboxes/${ANA}/delta-tokens/expire`);
    expect(expired.json.expired).toBeGreaterThan(0);
    const gone = await request(emu, "GET", deltaLink, { token });
    expect(gone.status).toBe(410);
    expect(gone.json.error.code).toBe("syncStateNotFound");
    expect(gone.headers.location).toBe(new URL(DELTA, emu.url).toString());
    const unknown = await request(emu, "GET", `/v1.0/users/${ANA}/calendarView/delta?$deltatoken=nonsense`, { token });
    expect(unknown.status).toBe(410);
  });

  it("needs a window and refuses $select", async () => {
    expect((await request(emu, "GET", `/v1.0/users/${ANA}/calendarView/delta`, { token })).status).toBe(400);
    expect((await request(emu, "GET", `${DELTA}&$select=subject`, { token })).status).toBe(400);
  });

  it("is throttled by a throttle rule with 429 and Retry-After", async () => {
    await request(emu, "POST", "/_emulator/faults", {
      body: { path: "/v1.0/users/*/calendarView/delta", count: 1, action: { type: "throttle", retryAfterSeconds: 2 } },
    });
    const throttled = await request(emu, "GET", DELTA, { token });
    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("2");
    expect((await request(emu, "GET", DELTA, { token })).status).toBe(200);
  });
});

/** A webhook that answers the validation handshake (unless told otherwise) and records notifications. */
async function startWebhook(options: { echo?: (token: string) => string; status?: number } = {}) {
  const received: any[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const validations: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const validationToken = url.searchParams.get("validationToken");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (validationToken !== null) {
        validations.push(validationToken);
        res
          .writeHead(200, { "Content-Type": "text/plain" })
          .end(options.echo ? options.echo(validationToken) : validationToken);
        return;
      }
      received.push({ path: url.pathname, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(options.status ?? 202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const items = () => received.flatMap((r) => r.body.value.map((v: object) => ({ ...v, path: r.path })));
  return {
    url,
    validations,
    items,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async waitFor(pred: (item: any) => boolean, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = items().find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`not received; got ${JSON.stringify(items())}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

describe("subscriptions", () => {
  const subscribe = (hook: { url: string }, extra: Record<string, unknown> = {}) =>
    request(emu, "POST", "/v1.0/subscriptions", {
      token,
      body: {
        changeType: "created,updated,deleted",
        notificationUrl: `${hook.url}/changes`,
        lifecycleNotificationUrl: `${hook.url}/lifecycle`,
        resource: `/users/${ANA}/events`,
        expirationDateTime: inMinutes(3 * 24 * 60),
        clientState: "s3cret",
        ...extra,
      },
    });

  it("validates both URLs, then notifies every change with the clientState", async () => {
    const hook = await startWebhook();
    try {
      const created = await subscribe(hook);
      expect(created.status, created.text).toBe(201);
      expect(hook.validations).toHaveLength(2);
      expect(hook.validations[0]).toMatch(/^Validation: .+ Request-Id: /);
      const event = (await ownerEvent("2030-06-03T12:00:00Z", "2030-06-03T13:00:00Z")).json;
      const n = await hook.waitFor((i) => i.changeType === "created");
      expect(n).toMatchObject({
        path: "/changes",
        subscriptionId: created.json.id,
        clientState: "s3cret",
        tenantId: emu.directory.tenantId,
        resource: `Users/${ANA}/Events/${event.id}`,
        resourceData: { "@odata.type": "#Microsoft.Graph.Event", id: event.id },
      });
      await request(emu, "DELETE", `/_emulator/mailboxes/${ANA}/events/${event.id}`);
      await hook.waitFor((i) => i.changeType === "deleted");
    } finally {
      await hook.close();
    }
  });

  it("creates no subscription when the handshake is not answered with the decoded token", async () => {
    const hook = await startWebhook({ echo: (t) => encodeURIComponent(t) });
    try {
      const refused = await subscribe(hook);
      expect(refused.status).toBe(400);
      expect(refused.json.error.message).toMatch(/validation request failed/i);
      expect((await request(emu, "GET", "/_emulator/subscriptions")).json.value).toEqual([]);
    } finally {
      await hook.close();
    }
  });

  it("refuses an expiry beyond 10,080 minutes, renews, reauthorizes and deletes", async () => {
    const hook = await startWebhook();
    try {
      expect((await subscribe(hook, { expirationDateTime: inMinutes(10_081) })).status).toBe(400);
      const sub = (await subscribe(hook)).json;
      const renewed = await request(emu, "PATCH", `/v1.0/subscriptions/${sub.id}`, {
        token,
        body: { expirationDateTime: inMinutes(5 * 24 * 60) },
      });
      expect(renewed.status).toBe(200);
      expect(Date.parse(renewed.json.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));
      expect((await request(emu, "POST", `/v1.0/subscriptions/${sub.id}/reauthorize`, { token })).status).toBe(204);
      expect((await request(emu, "DELETE", `/v1.0/subscriptions/${sub.id}`, { token })).status).toBe(204);
      expect((await request(emu, "GET", `/v1.0/subscriptions/${sub.id}`, { token })).status).toBe(404);
    } finally {
      await hook.close();
    }
  });

  it("asks for reauthorization before expiry, pauses delivery when ignored, and deletes the subscription at expiry", async () => {
    const hook = await startWebhook();
    try {
      const sub = (await subscribe(hook, { expirationDateTime: inMinutes(120) })).json;
      await request(emu, "POST", "/_emulator/clock/advance", { body: { ms: 61 * 60_000 } });
      const notice = await hook.waitFor((i) => i.lifecycleEvent === "reauthorizationRequired");
      expect(notice).toMatchObject({ path: "/lifecycle", subscriptionId: sub.id, clientState: "s3cret" });
      await request(emu, "POST", "/_emulator/clock/advance", { body: { ms: 11 * 60_000 } });
      await ownerEvent("2030-06-03T12:00:00Z", "2030-06-03T13:00:00Z");
      const log = (await request(emu, "GET", `/_emulator/calendar-notifications?subscriptionId=${sub.id}`)).json.value;
      expect(log.find((d: { kind: string }) => d.kind === "change").state).toBe("paused");
      await request(emu, "POST", "/_emulator/clock/advance", { body: { ms: 60 * 60_000 } });
      expect((await request(emu, "GET", `/v1.0/subscriptions/${sub.id}`, { token })).status).toBe(404);
    } finally {
      await hook.close();
    }
  });

  it("sends subscriptionRemoved and missed lifecycle notifications on request", async () => {
    const hook = await startWebhook();
    try {
      const sub = (await subscribe(hook)).json;
      await request(emu, "POST", `/_emulator/subscriptions/${sub.id}/lifecycle`, {
        body: { lifecycleEvent: "missed" },
      });
      await hook.waitFor((i) => i.lifecycleEvent === "missed");
      await request(emu, "POST", `/_emulator/subscriptions/${sub.id}/lifecycle`, {
        body: { lifecycleEvent: "subscriptionRemoved" },
      });
      await hook.waitFor((i) => i.lifecycleEvent === "subscriptionRemoved");
      expect((await request(emu, "GET", `/v1.0/subscriptions/${sub.id}`, { token })).status).toBe(404);
    } finally {
      await hook.close();
    }
  });

  it("loses a change notification to a drop fault", async () => {
    const hook = await startWebhook();
    try {
      await subscribe(hook);
      await request(emu, "POST", "/_emulator/faults", {
        body: { target: "notification", path: "Users/*/Events/*", count: 1, action: { type: "drop" } },
      });
      await ownerEvent("2030-06-03T12:00:00Z", "2030-06-03T13:00:00Z");
      const second = (await ownerEvent("2030-06-04T12:00:00Z", "2030-06-04T13:00:00Z")).json;
      await hook.waitFor((i) => i.resourceData?.id === second.id);
      expect(hook.items().filter((i) => i.changeType === "created")).toHaveLength(1);
    } finally {
      await hook.close();
    }
  });
});
