import { z } from "zod";
import { findUser, type Directory, type DirectoryUser } from "../directory";
import { notFound, sendHtml, sendJson } from "../http/context";
import type { Router } from "../http/router";
import { esc, page } from "../pages/html";
import type { DeltaTokens } from "./delta";
import type { MailboxPolicy } from "./mailbox-access";
import type { CalendarStore } from "./store";
import type { SubscriptionService } from "./subscriptions";

// Control API for mailbox calendars (tests) and the calendar page (people): events written as the mailbox's
// owner would in Outlook, so every change reaches subscriptions like one made in Outlook.

const instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date-time");
const ownerEventSchema = z.object({
  subject: z.string().max(255).optional(),
  start: instant,
  end: instant,
  showAs: z.enum(["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"]).optional(),
  sensitivity: z.enum(["normal", "personal", "private", "confidential"]).optional(),
  isAllDay: z.boolean().optional(),
});
const ownerPatchSchema = ownerEventSchema.partial();

function utc(iso: string) {
  return { dateTime: new Date(iso).toISOString().replace(/Z$/, ""), timeZone: "UTC" };
}

export function registerCalendarControl(
  router: Router,
  deps: {
    store: CalendarStore;
    tokens: DeltaTokens;
    subscriptions: SubscriptionService;
    directory: Directory;
    policy: MailboxPolicy;
  },
): void {
  const { store, tokens, subscriptions, directory, policy } = deps;
  const userOf = (raw: string): DirectoryUser => {
    const user = findUser(directory, raw);
    if (!user) throw notFound(`User '${raw}' is not in the directory.`);
    return user;
  };

  router.on("PUT", "/_emulator/mailbox-access-policy", async (ctx) => {
    const body = await ctx.parse(
      z.object({ allowAll: z.boolean().optional(), userIds: z.array(z.string()).optional() }),
    );
    if (body.allowAll !== undefined) policy.allowAll = body.allowAll;
    if (body.userIds) {
      policy.userIds.clear();
      for (const u of body.userIds) policy.userIds.add(userOf(u).id);
    }
    sendJson(ctx, 200, { allowAll: policy.allowAll, userIds: [...policy.userIds] });
  });

  router.on("GET", "/_emulator/mailboxes/:user/events", (ctx) => {
    const user = userOf(ctx.params.user!);
    sendJson(ctx, 200, { value: store.events(user).map((e) => store.serialize(e)) });
  });
  router.on("POST", "/_emulator/mailboxes/:user/events", async (ctx) => {
    const user = userOf(ctx.params.user!);
    const body = await ctx.parse(ownerEventSchema);
    const event = store.create(user, {
      subject: body.subject ?? "",
      start: utc(body.start),
      end: utc(body.end),
      showAs: body.showAs ?? "busy",
      sensitivity: body.sensitivity ?? "normal",
      isAllDay: body.isAllDay ?? false,
    });
    sendJson(ctx, 201, store.serialize(event));
  });
  router.on("PATCH", "/_emulator/mailboxes/:user/events/:eventId", async (ctx) => {
    const user = userOf(ctx.params.user!);
    const event = store.find(user, ctx.params.eventId!);
    if (!event) throw notFound(`Event '${ctx.params.eventId}' was not found.`);
    const body = await ctx.parse(ownerPatchSchema);
    store.update(user, event, {
      ...(body.subject !== undefined && { subject: body.subject }),
      ...(body.start !== undefined && { start: utc(body.start) }),
      ...(body.end !== undefined && { end: utc(body.end) }),
      ...(body.showAs !== undefined && { showAs: body.showAs }),
      ...(body.sensitivity !== undefined && { sensitivity: body.sensitivity }),
      ...(body.isAllDay !== undefined && { isAllDay: body.isAllDay }),
    });
    sendJson(ctx, 200, store.serialize(event));
  });
  router.on("DELETE", "/_emulator/mailboxes/:user/events/:eventId", (ctx) => {
    const user = userOf(ctx.params.user!);
    const event = store.find(user, ctx.params.eventId!);
    if (!event) throw notFound(`Event '${ctx.params.eventId}' was not found.`);
    store.delete(user, event);
    sendJson(ctx, 200, { deleted: event.id });
  });
  // every delta and skip token of the mailbox is dropped: the next delta request is answered 410
  router.on("POST", "/_emulator/mailboxes/:user/delta-tokens/expire", (ctx) => {
    sendJson(ctx, 200, { expired: tokens.expireMailbox(userOf(ctx.params.user!).id) });
  });

  router.on("GET", "/_emulator/subscriptions", (ctx) =>
    sendJson(ctx, 200, {
      value: [...subscriptions.subscriptions.values()].map((s) => ({
        ...subscriptions.view(s),
        mailboxId: s.mailboxId,
        reauthorizationRequiredSince: s.reauthRequiredSince ? new Date(s.reauthRequiredSince).toISOString() : null,
        paused: subscriptions.isPaused(s),
      })),
    }),
  );
  router.on("POST", "/_emulator/subscriptions/:id/lifecycle", async (ctx) => {
    const body = await ctx.parse(
      z.object({ lifecycleEvent: z.enum(["reauthorizationRequired", "subscriptionRemoved", "missed"]) }),
    );
    const sub = subscriptions.subscriptions.get(ctx.params.id!);
    if (!sub) throw notFound(`Subscription '${ctx.params.id}' was not found.`);
    const delivery = subscriptions.lifecycle(sub, body.lifecycleEvent);
    sendJson(ctx, 200, { subscriptionId: sub.id, lifecycleEvent: body.lifecycleEvent, delivery: delivery ?? null });
  });
  router.on("GET", "/_emulator/calendar-notifications", (ctx) => {
    const subscriptionId = ctx.url.searchParams.get("subscriptionId");
    sendJson(ctx, 200, {
      value: subscriptions.deliveries().filter((d) => !subscriptionId || d.subscriptionIds.includes(subscriptionId)),
    });
  });

  router.on("GET", "/_emulator/calendar", (ctx) => {
    const options = directory.users
      .map((u) => `<option value="${esc(u.userPrincipalName)}">${esc(u.displayName)}</option>`)
      .join("");
    sendHtml(
      ctx,
      200,
      page(
        "Emulator calendar",
        `<h1>Outlook calendar</h1>
<p class="muted">Add a busy time to a person's Outlook calendar, as they would in Outlook: subscribed apps are notified.
Times are in this browser's zone.</p>
<label>Calendar of <select id="user">${options}</select></label>
<fieldset><legend>New event</legend>
<label>Subject <input id="subject" value="Busy" size="24"></label><br>
<label>Day <input id="day" type="date"></label>
<label>From <input id="from" type="time" value="10:00"></label>
<label>To <input id="to" type="time" value="11:00"></label><br>
<label>Show as <select id="showAs"><option>busy</option><option>tentative</option><option>oof</option><option>workingElsewhere</option><option>free</option></select></label>
<label><input id="private" type="checkbox"> Private</label>
<button id="add" type="button">Add to calendar</button>
</fieldset>
<h2>Events</h2>
<ul id="events" aria-live="polite"></ul>
<p class="err" id="err" role="alert"></p>`,
        CALENDAR_SCRIPT,
      ),
    );
  });
}

const CALENDAR_SCRIPT = `
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.get("user")) $("user").value = params.get("user");
$("day").value = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
const base = () => "/_emulator/mailboxes/" + encodeURIComponent($("user").value) + "/events";
async function api(method, path, body) {
  const res = await fetch(path, { method, headers: { "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json().catch(() => ({}));
  $("err").textContent = res.ok ? "" : (json.error && json.error.message) || ("HTTP " + res.status);
  return json;
}
function at(day, time) { return new Date(day + "T" + time).toISOString(); }
async function list() {
  const json = await api("GET", base());
  const ul = $("events");
  ul.replaceChildren();
  for (const e of json.value || []) {
    const li = document.createElement("li");
    const start = new Date(e.start.dateTime + "Z"), end = new Date(e.end.dateTime + "Z");
    li.textContent = start.toLocaleString() + " – " + end.toLocaleTimeString() + " · " + (e.subject || "(no subject)") + " · " + e.showAs + (e.sensitivity === "private" ? " · private" : "") + " ";
    const del = document.createElement("button");
    del.type = "button";
    del.textContent = "Delete";
    del.onclick = () => api("DELETE", base() + "/" + encodeURIComponent(e.id)).then(list);
    li.append(del);
    ul.append(li);
  }
}
$("add").onclick = () => api("POST", base(), {
  subject: $("subject").value, start: at($("day").value, $("from").value), end: at($("day").value, $("to").value),
  showAs: $("showAs").value, sensitivity: $("private").checked ? "private" : "normal",
}).then(list);
$("user").onchange = () => { history.replaceState(null, "", "?user=" + encodeURIComponent($("user").value)); list(); };
list();
`;
