import crypto from "node:crypto";
import { z } from "zod";
import type { Directory } from "../directory";
import { HttpError, sendEmpty, sendJson } from "../http/context";
import type { Router } from "../http/router";
import type { Authenticate, Principal } from "../identity/graph-auth";
import type { EmulatorClock } from "../clock";
import { mailboxFor, type MailboxPolicy } from "./mailbox-access";
import { GRAPH_V1 } from "./store";
import { MAX_EVENT_SUBSCRIPTION_MINUTES, type EventSubscription, type SubscriptionService } from "./subscriptions";

// Subscriptions on a mailbox's events (emulator/CONTRACT.md#calendar-subscriptions): create (after the
// notification URLs answer the validation request), list, get, renew, reauthorize and delete.

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

export function registerSubscriptionRoutes(
  router: Router,
  deps: {
    subscriptions: SubscriptionService;
    directory: Directory;
    authenticate: Authenticate;
    policy: MailboxPolicy;
    clock: EmulatorClock;
  },
): void {
  const { subscriptions, directory, authenticate, policy, clock } = deps;

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
