import crypto from "node:crypto";
import { z } from "zod";
import { findUser, type Directory, type DirectoryUser } from "../directory";
import { HttpError, headerValue, sendEmpty, sendJson, type RequestContext } from "../http/context";
import type { Router } from "../http/router";
import type { Authenticate, Principal } from "../identity/graph-auth";
import type { EmulatorClock } from "../clock";
import { DeltaTokens, type DeltaWindow } from "./delta";
import { CalendarStore, eventInputSchema, GRAPH_V1, preferredPageSize, preferredZone, type StoredEvent } from "./store";
import { MAX_EVENT_SUBSCRIPTION_MINUTES, type EventSubscription, type SubscriptionService } from "./subscriptions";

// Graph's mailbox calendar surface (emulator/CONTRACT.md#calendars): events, calendarView and its delta,
// and subscriptions on a mailbox's events.

/** Which mailboxes an app token may reach: Exchange's application access policy (all, unless restricted). */
export interface MailboxPolicy {
  allowAll: boolean;
  userIds: Set<string>;
}

const READ = ["Calendars.Read", "Calendars.ReadWrite"];
const WRITE = ["Calendars.ReadWrite"];
/** Outlook's list and calendarView pages hold 10 events unless $top or Prefer: odata.maxpagesize says otherwise. */
const DEFAULT_PAGE = 10;

const accessDenied = (message = "Access is denied. Check credentials and try again.") =>
  new HttpError(403, "ErrorAccessDenied", message);
const eventNotFound = () => new HttpError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
const invalid = (message: string) => new HttpError(400, "ErrorInvalidRequest", message);

/** Resolves /me or /users/{id|upn} to a mailbox and checks the token may read or write its calendar. */
function mailboxFor(
  directory: Directory,
  policy: MailboxPolicy,
  principal: Principal,
  userParam: string | undefined,
  access: "read" | "write",
): DirectoryUser {
  if (userParam === undefined && principal.kind !== "user")
    throw new HttpError(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
  const user = findUser(directory, userParam ?? (principal.kind === "user" ? principal.userId : ""));
  if (!user) throw new HttpError(404, "ErrorInvalidUser", `The requested user '${userParam ?? "me"}' is invalid.`);
  const needed = access === "write" ? WRITE : READ;
  if (principal.kind === "user") {
    if (!principal.scopes.some((s) => needed.includes(s)) || user.id !== principal.userId) throw accessDenied();
    return user;
  }
  if (!principal.roles.some((r) => needed.includes(r))) throw accessDenied();
  if (!policy.allowAll && !policy.userIds.has(user.id))
    throw accessDenied("Access to OData is disabled: Blocked by tenant configured AppOnly AccessPolicy settings.");
  return user;
}

/** A query parameter read case-insensitively ($deltaToken / $deltatoken, startDateTime / startdatetime). */
function param(ctx: RequestContext, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of ctx.url.searchParams) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** ISO 8601; a value without an offset is UTC (the calendarView docs' examples have none). */
function windowBound(raw: string | undefined, name: string): number {
  if (!raw)
    throw new HttpError(
      400,
      "ErrorInvalidParameter",
      "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
    );
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(raw) ? raw : `${raw}Z`;
  const ms = Date.parse(withZone);
  if (Number.isNaN(ms)) throw new HttpError(400, "ErrorInvalidParameter", `The value of ${name} is not a valid date.`);
  return ms;
}

function overlaps(event: StoredEvent, window: DeltaWindow): boolean {
  if (event.start === event.end) return event.start >= window.start && event.start < window.end;
  return event.start < window.end && event.end > window.start;
}

const extendedFilter =
  /^\s*singleValueExtendedProperties\/any\(\s*(\w+)\s*:\s*\1\/id\s+eq\s+'((?:[^']|'')*)'\s+and\s+\1\/value\s+eq\s+'((?:[^']|'')*)'\s*\)\s*$/i;
const expandFilter = /^\s*singleValueExtendedProperties\(\s*\$filter\s*=\s*id\s+eq\s+'((?:[^']|'')*)'\s*\)\s*$/i;

/** Extended property ids compare case-insensitively except the property's Name, which is case-sensitive. */
function sameExtendedId(a: string, b: string): boolean {
  const split = (id: string) => {
    const at = id.search(/ Name /i);
    return at < 0 ? [id.toLowerCase(), ""] : [id.slice(0, at).toLowerCase(), id.slice(at + 6)];
  };
  const [pa, na] = split(a);
  const [pb, nb] = split(b);
  return pa === pb && na === nb;
}

function extendedValue(event: StoredEvent, id: string): string | null | undefined {
  for (const [key, value] of event.extended) if (sameExtendedId(key, id)) return value;
  return undefined;
}

const notificationUrlSchema = z
  .string()
  .url()
  .refine((u) => {
    const url = new URL(u);
    // Graph takes https only; the emulator also reaches an app on this machine over http
    return (
      url.protocol === "https:" || (url.protocol === "http:" && /^(localhost|127\.0\.0\.1|\[::1\])$/.test(url.hostname))
    );
  }, "must be an https URL");

const subscriptionSchema = z.looseObject({
  changeType: z.string().min(1),
  notificationUrl: notificationUrlSchema,
  lifecycleNotificationUrl: notificationUrlSchema.nullish(),
  resource: z.string().min(1),
  expirationDateTime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be a date-time"),
  clientState: z.string().max(128).nullish(),
  includeResourceData: z.boolean().optional(),
  latestSupportedTlsVersion: z.enum(["v1_0", "v1_1", "v1_2", "v1_3"]).optional(),
});
const renewSchema = z.looseObject({
  expirationDateTime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be a date-time"),
  notificationUrl: notificationUrlSchema.optional(),
});

/** `users/{id}/events`, `/me/events`, and the same under `calendar/`. */
function parseResource(resource: string): { userParam: string | undefined } | undefined {
  const m = /^\/?(?:me|users\/([^/]+)|users\('([^']+)'\))\/(?:calendar\/)?events$/i.exec(resource.trim());
  if (!m) return undefined;
  const user = m[1] ?? m[2];
  return { userParam: user ? decodeURIComponent(user) : undefined };
}

export function registerCalendarRoutes(
  router: Router,
  deps: {
    store: CalendarStore;
    tokens: DeltaTokens;
    subscriptions: SubscriptionService;
    directory: Directory;
    authenticate: Authenticate;
    policy: MailboxPolicy;
    clock: EmulatorClock;
  },
): void {
  const { store, tokens, subscriptions, directory, authenticate, policy, clock } = deps;

  const scopeOf = (ctx: RequestContext, user: DirectoryUser) =>
    ctx.params.userId === undefined ? "me" : `users('${user.id}')`;
  const basePath = (ctx: RequestContext, user: DirectoryUser) =>
    ctx.params.userId === undefined ? "/v1.0/me" : `/v1.0/users/${encodeURIComponent(user.id)}`;

  async function mailbox(ctx: RequestContext, access: "read" | "write") {
    const principal = await authenticate(ctx);
    return { principal, user: mailboxFor(directory, policy, principal, ctx.params.userId, access) };
  }

  function findEvent(user: DirectoryUser, id: string): StoredEvent {
    const event = store.find(user, id);
    if (!event) throw eventNotFound();
    return event;
  }

  function withExpand(ctx: RequestContext, event: StoredEvent, zone: string) {
    const body = store.serialize(event, zone);
    const expand = param(ctx, "$expand");
    if (!expand) return body;
    const m = expandFilter.exec(expand);
    if (!m?.[1]) throw invalid(`The $expand '${expand}' is not supported.`);
    const id = m[1].replace(/''/g, "'");
    const value = extendedValue(event, id);
    return { ...body, singleValueExtendedProperties: value === undefined ? [] : [{ id, value }] };
  }

  function page<T>(ctx: RequestContext, items: T[], pathAndQuery: (skip: number) => string) {
    const top = Number(param(ctx, "$top") ?? "") || preferredPageSize(headerValue(ctx.req, "prefer"), DEFAULT_PAGE);
    const skip = Number(param(ctx, "$skip") ?? "0") || 0;
    const slice = items.slice(skip, skip + top);
    const next = skip + top < items.length ? `${ctx.url.origin}${pathAndQuery(skip + top)}` : undefined;
    return { slice, next };
  }

  for (const prefix of ["/v1.0/me", "/v1.0/users/:userId"]) {
    for (const collection of [`${prefix}/events`, `${prefix}/calendar/events`]) {
      router.on("POST", collection, async (ctx) => {
        const { user } = await mailbox(ctx, "write");
        const input = await ctx.parse(eventInputSchema);
        // a retried create with the same transactionId gets the event the first one made (inferred: the
        // docs say the id avoids redundant POSTs, not what the answer is)
        const existing = input.transactionId ? store.byTransactionId(user, input.transactionId) : undefined;
        const event = existing ?? store.create(user, input);
        sendJson(
          ctx,
          201,
          {
            "@odata.context": `${GRAPH_V1}/$metadata#${scopeOf(ctx, user)}/events/$entity`,
            ...store.serialize(event, preferredZone(headerValue(ctx.req, "prefer"))),
          },
          { Location: `${ctx.url.origin}${basePath(ctx, user)}/events/${encodeURIComponent(event.id)}` },
        );
      });
      router.on("GET", collection, async (ctx) => {
        const { user } = await mailbox(ctx, "read");
        const zone = preferredZone(headerValue(ctx.req, "prefer"));
        const filter = param(ctx, "$filter");
        let events = store.events(user);
        if (filter) {
          const m = extendedFilter.exec(filter);
          if (!m?.[2] || m[3] === undefined)
            throw new HttpError(400, "ErrorInvalidUrlQueryFilter", `The $filter '${filter}' is not supported.`);
          const id = m[2].replace(/''/g, "'");
          const value = m[3].replace(/''/g, "'").toLowerCase();
          events = events.filter((e) => extendedValue(e, id)?.toLowerCase() === value);
        }
        const { slice, next } = page(ctx, events, (skip) => {
          const q = new URLSearchParams(ctx.url.searchParams);
          q.set("$skip", String(skip));
          return `${ctx.url.pathname}?${q.toString()}`;
        });
        sendJson(ctx, 200, {
          "@odata.context": `${GRAPH_V1}/$metadata#${scopeOf(ctx, user)}/events`,
          value: slice.map((e) => store.serialize(e, zone)),
          ...(next && { "@odata.nextLink": next }),
        });
      });
      router.on("GET", `${collection}/:eventId`, async (ctx) => {
        const { user } = await mailbox(ctx, "read");
        const event = findEvent(user, ctx.params.eventId!);
        sendJson(ctx, 200, {
          "@odata.context": `${GRAPH_V1}/$metadata#${scopeOf(ctx, user)}/events/$entity`,
          ...withExpand(ctx, event, preferredZone(headerValue(ctx.req, "prefer"))),
        });
      });
      router.on("PATCH", `${collection}/:eventId`, async (ctx) => {
        const { user } = await mailbox(ctx, "write");
        const event = findEvent(user, ctx.params.eventId!);
        store.update(user, event, await ctx.parse(eventInputSchema));
        sendJson(ctx, 200, {
          "@odata.context": `${GRAPH_V1}/$metadata#${scopeOf(ctx, user)}/events/$entity`,
          ...store.serialize(event, preferredZone(headerValue(ctx.req, "prefer"))),
        });
      });
      router.on("DELETE", `${collection}/:eventId`, async (ctx) => {
        const { user } = await mailbox(ctx, "write");
        store.delete(user, findEvent(user, ctx.params.eventId!));
        sendEmpty(ctx, 204);
      });
    }

    router.on("GET", `${prefix}/calendarView`, async (ctx) => {
      const { user } = await mailbox(ctx, "read");
      const window = {
        start: windowBound(param(ctx, "startDateTime"), "startDateTime"),
        end: windowBound(param(ctx, "endDateTime"), "endDateTime"),
      };
      const zone = preferredZone(headerValue(ctx.req, "prefer"));
      const events = store.events(user).filter((e) => overlaps(e, window));
      const { slice, next } = page(ctx, events, (skip) => {
        const q = new URLSearchParams(ctx.url.searchParams);
        q.set("$skip", String(skip));
        return `${ctx.url.pathname}?${q.toString()}`;
      });
      sendJson(ctx, 200, {
        "@odata.context": `${GRAPH_V1}/$metadata#${scopeOf(ctx, user)}/calendarView`,
        value: slice.map((e) => store.serialize(e, zone)),
        ...(next && { "@odata.nextLink": next }),
      });
    });

    // calendarView delta (emulator/CONTRACT.md#calendar-delta)
    router.on("GET", `${prefix}/calendarView/delta`, async (ctx) => {
      const { user } = await mailbox(ctx, "read");
      const prefer = headerValue(ctx.req, "prefer");
      const zone = preferredZone(prefer);
      const base = `${ctx.url.origin}${basePath(ctx, user)}/calendarView/delta`;
      const skipToken = param(ctx, "$skiptoken");
      const deltaToken = param(ctx, "$deltatoken");
      for (const unsupported of ["$select", "$expand", "$filter", "$orderby", "$search"])
        if (param(ctx, unsupported) !== undefined)
          throw invalid(`The query parameter '${unsupported}' is not supported with delta on calendarView.`);

      let round: { items: Record<string, unknown>[]; roundSeq: number; offset: number; pageSize: number } & {
        window: DeltaWindow;
        initialUrl: string;
      };
      const token = skipToken ?? deltaToken;
      if (token !== undefined) {
        const found = tokens.lookup(token);
        if (!("state" in found) || found.state.mailboxId !== user.id) {
          const location = "expiredUrl" in found ? found.expiredUrl : undefined;
          throw new HttpError(
            410,
            "syncStateNotFound",
            "The sync state generation is expired or invalid. Restart the synchronization with a full sync.",
            location ? { Location: location } : {},
          );
        }
        const state = found.state;
        if (state.kind === "skip") {
          round = { ...state };
        } else {
          // a new round: what changed after the previous round's last change
          const roundSeq = store.currentSeq();
          const { live, deleted } = store.changesSince(user, state.since);
          const removed = (id: string) => ({
            "@odata.type": "#microsoft.graph.event",
            id,
            "@removed": { reason: "deleted" },
          });
          const items = [
            ...live.map((e) => (overlaps(e, state.window) ? store.serialize(e, zone) : removed(e.id))),
            ...deleted.map(removed),
          ];
          round = {
            items,
            roundSeq,
            offset: 0,
            pageSize: preferredPageSize(prefer, DEFAULT_PAGE),
            window: state.window,
            initialUrl: state.initialUrl,
          };
        }
      } else {
        const window = {
          start: windowBound(param(ctx, "startDateTime"), "startDateTime"),
          end: windowBound(param(ctx, "endDateTime"), "endDateTime"),
        };
        if (window.end <= window.start) throw invalid("endDateTime must be later than startDateTime.");
        // the first round lists what is in the window now; what was created and deleted before is not told
        round = {
          items: store
            .events(user)
            .filter((e) => overlaps(e, window))
            .map((e) => store.serialize(e, zone)),
          roundSeq: store.currentSeq(),
          offset: 0,
          pageSize: preferredPageSize(prefer, DEFAULT_PAGE),
          window,
          initialUrl: `${ctx.url.origin}${ctx.url.pathname}${ctx.url.search}`,
        };
      }
      const value = round.items.slice(round.offset, round.offset + round.pageSize);
      const common = { mailboxId: user.id, window: round.window, initialUrl: round.initialUrl, issuedAt: clock.now() };
      const more = round.offset + round.pageSize < round.items.length;
      const link = more
        ? {
            "@odata.nextLink": `${base}?$skiptoken=${tokens.issue({
              ...common,
              kind: "skip",
              items: round.items,
              offset: round.offset + round.pageSize,
              pageSize: round.pageSize,
              roundSeq: round.roundSeq,
            })}`,
          }
        : {
            "@odata.deltaLink": `${base}?$deltatoken=${tokens.issue({ ...common, kind: "delta", since: round.roundSeq })}`,
          };
      const applied = /odata\.maxpagesize/i.test(([] as string[]).concat(prefer ?? []).join(","))
        ? { "Preference-Applied": `odata.maxpagesize=${round.pageSize}` }
        : undefined;
      sendJson(ctx, 200, { "@odata.context": `${GRAPH_V1}/$metadata#Collection(event)`, ...link, value }, applied);
    });
  }

  // Subscriptions (emulator/CONTRACT.md#calendar-subscriptions)
  function ownSubscription(principal: Principal, id: string): EventSubscription {
    const sub = subscriptions.subscriptions.get(id);
    if (!sub || sub.applicationId !== principal.appId)
      throw new HttpError(404, "ResourceNotFound", `The object '${id}' was not found.`);
    return sub;
  }

  function checkExpiration(raw: string): number {
    const at = Date.parse(raw);
    const now = clock.now();
    if (at <= now) throw new HttpError(400, "InvalidRequest", "Subscription expiration date must be in the future.");
    if (at > now + MAX_EVENT_SUBSCRIPTION_MINUTES * 60_000)
      throw new HttpError(
        400,
        "InvalidRequest",
        `Subscription expiration can only be ${MAX_EVENT_SUBSCRIPTION_MINUTES} minutes in the future.`,
      );
    return at;
  }

  router.on("POST", "/v1.0/subscriptions", async (ctx) => {
    const principal = await authenticate(ctx);
    const body = await ctx.parse(subscriptionSchema);
    const resource = parseResource(body.resource);
    if (!resource)
      throw new HttpError(
        400,
        "InvalidRequest",
        `The resource '${body.resource}' is not supported here: the emulator takes subscriptions on users/{id}/events.`,
      );
    const user = mailboxFor(directory, policy, principal, resource.userParam, "read");
    const changeTypes = body.changeType.split(",").map((c) => c.trim());
    if (!changeTypes.every((c) => c === "created" || c === "updated" || c === "deleted"))
      throw new HttpError(
        400,
        "InvalidRequest",
        "changeType must be a comma-separated list of created, updated, deleted.",
      );
    if (body.includeResourceData)
      throw new HttpError(400, "InvalidRequest", "includeResourceData needs an encryptionCertificate (not emulated).");
    const expiration = checkExpiration(body.expirationDateTime);
    for (const url of [body.notificationUrl, body.lifecycleNotificationUrl ?? undefined]) {
      if (!url) continue;
      const result = await subscriptions.validate(url);
      if (!result.ok)
        throw new HttpError(
          400,
          "InvalidRequest",
          `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request (${result.reason}).`,
        );
    }
    const sub: EventSubscription = {
      id: crypto.randomUUID(),
      resource: body.resource,
      mailboxId: user.id,
      changeTypes: new Set(changeTypes as ("created" | "updated" | "deleted")[]),
      notificationUrl: body.notificationUrl,
      lifecycleNotificationUrl: body.lifecycleNotificationUrl ?? null,
      clientState: body.clientState ?? null,
      expiration,
      applicationId: principal.appId,
      creatorId: principal.kind === "user" ? principal.userId : principal.appId,
    };
    subscriptions.add(sub);
    sendJson(ctx, 201, subscriptions.view(sub));
  });
  router.on("GET", "/v1.0/subscriptions", async (ctx) => {
    const principal = await authenticate(ctx);
    sendJson(ctx, 200, {
      "@odata.context": `${GRAPH_V1}/$metadata#subscriptions`,
      value: [...subscriptions.subscriptions.values()]
        .filter((s) => s.applicationId === principal.appId)
        .map((s) => {
          const { "@odata.context": _context, ...rest } = subscriptions.view(s);
          return rest;
        }),
    });
  });
  router.on("GET", "/v1.0/subscriptions/:id", async (ctx) => {
    const principal = await authenticate(ctx);
    sendJson(ctx, 200, subscriptions.view(ownSubscription(principal, ctx.params.id!)));
  });
  router.on("PATCH", "/v1.0/subscriptions/:id", async (ctx) => {
    const principal = await authenticate(ctx);
    const sub = ownSubscription(principal, ctx.params.id!);
    const body = await ctx.parse(renewSchema);
    // renewing also reauthorizes: the app must still be allowed to read the mailbox
    mailboxFor(directory, policy, principal, sub.mailboxId, "read");
    const expiration = checkExpiration(body.expirationDateTime);
    if (body.notificationUrl && body.notificationUrl !== sub.notificationUrl) {
      const result = await subscriptions.validate(body.notificationUrl);
      if (!result.ok)
        throw new HttpError(400, "InvalidRequest", `Subscription validation request failed (${result.reason}).`);
      sub.notificationUrl = body.notificationUrl;
    }
    subscriptions.renew(sub, expiration);
    sendJson(ctx, 200, subscriptions.view(sub));
  });
  router.on("POST", "/v1.0/subscriptions/:id/reauthorize", async (ctx) => {
    const principal = await authenticate(ctx);
    const sub = ownSubscription(principal, ctx.params.id!);
    mailboxFor(directory, policy, principal, sub.mailboxId, "read");
    subscriptions.reauthorized(sub);
    sendEmpty(ctx, 204);
  });
  router.on("DELETE", "/v1.0/subscriptions/:id", async (ctx) => {
    const principal = await authenticate(ctx);
    subscriptions.remove(ownSubscription(principal, ctx.params.id!).id);
    sendEmpty(ctx, 204);
  });
}
