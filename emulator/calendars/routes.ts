import { HttpError, headerValue, sendEmpty, sendJson, type RequestContext } from "../http/context";
import type { Directory, DirectoryUser } from "../directory";
import type { Router } from "../http/router";
import type { Authenticate } from "../identity/graph-auth";
import type { EmulatorClock } from "../clock";
import type { DeltaTokens } from "./delta";
import { registerCalendarViewDelta } from "./delta-routes";
import { mailboxFor, mailboxPath, mailboxScope, type MailboxPolicy } from "./mailbox-access";
import { DEFAULT_PAGE, invalidQuery, overlaps, param, preferredPageSize, windowBound } from "./query";
import { CalendarStore, eventInputSchema, GRAPH_V1, type StoredEvent } from "./store";
import { registerSubscriptionRoutes } from "./subscription-routes";
import type { SubscriptionService } from "./subscriptions";
import { preferredZone } from "./time-zones";

// Graph's mailbox calendar surface (emulator/CONTRACT.md#calendars): events and calendarView here; the
// calendarView delta and the subscriptions on a mailbox's events have route files of their own.

const eventNotFound = () => new HttpError(404, "ErrorItemNotFound", "The specified object was not found in the store.");

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
  const { store, directory, authenticate, policy } = deps;

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
    if (!m?.[1]) throw invalidQuery(`The $expand '${expand}' is not supported.`);
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
            "@odata.context": `${GRAPH_V1}/$metadata#${mailboxScope(ctx, user)}/events/$entity`,
            ...store.serialize(event, preferredZone(headerValue(ctx.req, "prefer"))),
          },
          { Location: `${ctx.url.origin}${mailboxPath(ctx, user)}/events/${encodeURIComponent(event.id)}` },
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
          "@odata.context": `${GRAPH_V1}/$metadata#${mailboxScope(ctx, user)}/events`,
          value: slice.map((e) => store.serialize(e, zone)),
          ...(next && { "@odata.nextLink": next }),
        });
      });
      router.on("GET", `${collection}/:eventId`, async (ctx) => {
        const { user } = await mailbox(ctx, "read");
        const event = findEvent(user, ctx.params.eventId!);
        sendJson(ctx, 200, {
          "@odata.context": `${GRAPH_V1}/$metadata#${mailboxScope(ctx, user)}/events/$entity`,
          ...withExpand(ctx, event, preferredZone(headerValue(ctx.req, "prefer"))),
        });
      });
      router.on("PATCH", `${collection}/:eventId`, async (ctx) => {
        const { user } = await mailbox(ctx, "write");
        const event = findEvent(user, ctx.params.eventId!);
        store.update(user, event, await ctx.parse(eventInputSchema));
        sendJson(ctx, 200, {
          "@odata.context": `${GRAPH_V1}/$metadata#${mailboxScope(ctx, user)}/events/$entity`,
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
        "@odata.context": `${GRAPH_V1}/$metadata#${mailboxScope(ctx, user)}/calendarView`,
        value: slice.map((e) => store.serialize(e, zone)),
        ...(next && { "@odata.nextLink": next }),
      });
    });

    registerCalendarViewDelta(router, prefix, deps);
  }

  registerSubscriptionRoutes(router, deps);
}
