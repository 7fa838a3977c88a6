import type { Directory } from "../directory";
import { HttpError, headerValue, sendJson } from "../http/context";
import type { Router } from "../http/router";
import type { Authenticate } from "../identity/graph-auth";
import type { EmulatorClock } from "../clock";
import type { DeltaTokens, DeltaWindow } from "./delta";
import { mailboxFor, mailboxPath, type MailboxPolicy } from "./mailbox-access";
import { DEFAULT_PAGE, invalidQuery, overlaps, param, preferredPageSize, windowBound } from "./query";
import { GRAPH_V1, type CalendarStore } from "./store";
import { preferredZone } from "./time-zones";

// calendarView delta (emulator/CONTRACT.md#calendar-delta): the first round lists what is in the window,
// each later round what changed since the previous one; pages are cut by $skiptoken, rounds by $deltatoken.

/** GET {prefix}/calendarView/delta, for one mailbox prefix (/v1.0/me or /v1.0/users/:userId). */
export function registerCalendarViewDelta(
  router: Router,
  prefix: string,
  deps: {
    store: CalendarStore;
    tokens: DeltaTokens;
    directory: Directory;
    authenticate: Authenticate;
    policy: MailboxPolicy;
    clock: EmulatorClock;
  },
): void {
  const { store, tokens, directory, authenticate, policy, clock } = deps;

  router.on("GET", `${prefix}/calendarView/delta`, async (ctx) => {
    const user = mailboxFor(directory, policy, await authenticate(ctx), ctx.params.userId, "read");
    const prefer = headerValue(ctx.req, "prefer");
    const zone = preferredZone(prefer);
    const base = `${ctx.url.origin}${mailboxPath(ctx, user)}/calendarView/delta`;
    const skipToken = param(ctx, "$skiptoken");
    const deltaToken = param(ctx, "$deltatoken");
    for (const unsupported of ["$select", "$expand", "$filter", "$orderby", "$search"])
      if (param(ctx, unsupported) !== undefined)
        throw invalidQuery(`The query parameter '${unsupported}' is not supported with delta on calendarView.`);

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
      if (window.end <= window.start) throw invalidQuery("endDateTime must be later than startDateTime.");
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
