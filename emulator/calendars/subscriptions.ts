import crypto from "node:crypto";
import type { EmulatorClock } from "../clock";
import type { Directory } from "../directory";
import type { FaultInjector } from "../http/faults";
import type { CalendarStore, ChangeType } from "./store";

// Change-notification subscriptions on mailbox events (emulator/CONTRACT.md#calendar-subscriptions):
// the validation handshake, change notifications with clientState, lifecycle notifications and expiry.

/** Outlook events: at most 10,080 minutes (under 7 days) from now. */
export const MAX_EVENT_SUBSCRIPTION_MINUTES = 10_080;
/** reauthorizationRequired is sent when less than this is left, and again every REAUTH_REPEAT_MS until renewed. */
const REAUTH_NOTICE_BEFORE_MS = 60 * 60_000;
const REAUTH_REPEAT_MS = 15 * 60_000;
/** Delivery pauses when a reauthorizationRequired is not acted on for this long (the docs: "eventually"). */
const REAUTH_GRACE_MS = 10 * 60_000;
/** Graph expects a 2xx within 3 s for a notification, and the validation token back within 10 s. */
const NOTIFY_TIMEOUT_MS = 3_000;
const VALIDATION_TIMEOUT_MS = 10_000;
/** Graph retries for up to 4 hours; the emulator gives up after this many attempts. */
const MAX_ATTEMPTS = 40;

export type LifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

export interface EventSubscription {
  id: string;
  resource: string;
  mailboxId: string;
  changeTypes: Set<ChangeType>;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiration: number;
  applicationId: string;
  creatorId: string;
  /** when the first unanswered reauthorizationRequired went out (emulator clock) */
  reauthRequiredSince?: number;
  lastReauthNoticeAt?: number;
}

export interface WebhookDelivery {
  id: string;
  kind: "change" | "lifecycle";
  url: string;
  subscriptionIds: string[];
  body: { value: Record<string, unknown>[] };
  queuedAt: string;
  deliveredAt?: string;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  /** dropped: a fault swallowed it; paused: the subscription awaited reauthorization */
  state: "pending" | "delivered" | "dropped" | "paused" | "failed";
}

export class SubscriptionService {
  readonly subscriptions = new Map<string, EventSubscription>();
  private readonly log: WebhookDelivery[] = [];
  private readonly queues = new Map<string, WebhookDelivery[]>();
  private readonly running = new Set<string>();
  private generation = 0;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly ticker: NodeJS.Timeout;

  constructor(
    private readonly deps: {
      store: CalendarStore;
      clock: EmulatorClock;
      faults: FaultInjector;
      directory: Directory;
      retryBaseMs: () => number;
    },
  ) {
    deps.store.onChange((mailboxId, eventId, change) => this.changed(mailboxId, eventId, change));
    deps.clock.onAdvance(() => this.tick());
    this.ticker = setInterval(() => this.tick(), 1_000);
    this.ticker.unref();
  }

  reset(): void {
    this.generation++;
    this.subscriptions.clear();
    this.queues.clear();
    this.running.clear();
    this.log.length = 0;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.ticker);
    this.reset();
  }

  deliveries(): WebhookDelivery[] {
    return this.log;
  }

  /** Resolves when nothing is waiting to be delivered (tests). */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ([...this.queues.values()].some((q) => q.length > 0)) {
      if (Date.now() > deadline) throw new Error("calendar notifications still pending");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * POSTs `?validationToken=…` to the URL and checks the answer: 200, text/plain, the token as sent (decoded),
   * within 10 seconds. The token holds spaces and colons, so a client that echoes it still encoded fails.
   */
  async validate(url: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${crypto.randomUUID()}`;
    const target = `${url}${url.includes("?") ? "&" : "?"}validationToken=${encodeURIComponent(token)}`;
    try {
      const res = await fetch(target, {
        method: "POST",
        headers: { "Content-Type": "text/plain; charset=utf-8" },
        redirect: "manual",
        signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status !== 200) return { ok: false, reason: `the endpoint answered ${res.status}` };
      if (!/^text\/plain\b/i.test(res.headers.get("content-type") ?? ""))
        return { ok: false, reason: "the answer's Content-Type is not text/plain" };
      if (text !== token) return { ok: false, reason: "the answer is not the validation token" };
      return { ok: true };
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      return { ok: false, reason: timedOut ? "no answer within 10 seconds" : "the endpoint could not be reached" };
    }
  }

  add(sub: EventSubscription): void {
    this.subscriptions.set(sub.id, sub);
  }

  renew(sub: EventSubscription, expiration: number): void {
    sub.expiration = expiration;
    this.reauthorized(sub);
  }

  reauthorized(sub: EventSubscription): void {
    sub.reauthRequiredSince = undefined;
    sub.lastReauthNoticeAt = undefined;
  }

  remove(id: string): boolean {
    return this.subscriptions.delete(id);
  }

  isPaused(sub: EventSubscription): boolean {
    return sub.reauthRequiredSince !== undefined && this.deps.clock.now() - sub.reauthRequiredSince >= REAUTH_GRACE_MS;
  }

  view(sub: EventSubscription, origin = "https://graph.microsoft.com") {
    return {
      "@odata.context": `${origin.replace(/\/$/, "")}/v1.0/$metadata#subscriptions/$entity`,
      id: sub.id,
      resource: sub.resource,
      applicationId: sub.applicationId,
      changeType: [...sub.changeTypes].join(","),
      clientState: sub.clientState,
      notificationUrl: sub.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
      expirationDateTime: new Date(sub.expiration).toISOString(),
      creatorId: sub.creatorId,
      includeResourceData: false,
      latestSupportedTlsVersion: "v1_2",
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  /** Sends a lifecycle notification (control API, or the ticker); subscriptionRemoved also removes it. */
  lifecycle(sub: EventSubscription, event: LifecycleEvent): WebhookDelivery | undefined {
    if (event === "subscriptionRemoved") this.subscriptions.delete(sub.id);
    if (event === "reauthorizationRequired") {
      sub.reauthRequiredSince ??= this.deps.clock.now();
      sub.lastReauthNoticeAt = this.deps.clock.now();
    }
    if (!sub.lifecycleNotificationUrl) return undefined;
    return this.enqueue(sub.lifecycleNotificationUrl, "lifecycle", [sub.id], {
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: new Date(sub.expiration).toISOString(),
      tenantId: this.deps.directory.tenantId,
      clientState: sub.clientState,
      lifecycleEvent: event,
    });
  }

  /** Expiry and reauthorization on the emulator clock. */
  tick(): void {
    if (this.closed) return;
    const now = this.deps.clock.now();
    for (const sub of [...this.subscriptions.values()]) {
      if (now >= sub.expiration) {
        // Graph deletes a subscription that was not renewed in time
        this.subscriptions.delete(sub.id);
        continue;
      }
      if (
        sub.lifecycleNotificationUrl &&
        sub.expiration - now <= REAUTH_NOTICE_BEFORE_MS &&
        (sub.lastReauthNoticeAt === undefined || now - sub.lastReauthNoticeAt >= REAUTH_REPEAT_MS)
      )
        this.lifecycle(sub, "reauthorizationRequired");
    }
  }

  private changed(mailboxId: string, eventId: string, change: ChangeType): void {
    const now = this.deps.clock.now();
    const event = this.deps.store.eventById(mailboxId, eventId);
    for (const sub of this.subscriptions.values()) {
      if (sub.mailboxId !== mailboxId || !sub.changeTypes.has(change) || now >= sub.expiration) continue;
      const resource = `Users/${mailboxId}/Events/${eventId}`;
      const notification = {
        id: crypto.randomBytes(12).toString("base64url"),
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: new Date(sub.expiration).toISOString(),
        changeType: change,
        resource,
        clientState: sub.clientState,
        tenantId: this.deps.directory.tenantId,
        resourceData: {
          "@odata.type": "#Microsoft.Graph.Event",
          "@odata.id": resource,
          ...(event && { "@odata.etag": `W/"${event.changeKey}"` }),
          id: eventId,
        },
      };
      if (this.isPaused(sub)) {
        this.record(sub.notificationUrl, "change", [sub.id], [notification]).state = "paused";
        continue;
      }
      const fault = this.deps.faults.take("notification", "POST", resource);
      if (fault?.action.type === "drop") {
        this.record(sub.notificationUrl, "change", [sub.id], [notification]).state = "dropped";
        continue;
      }
      this.enqueue(sub.notificationUrl, "change", [sub.id], notification);
      if (fault?.action.type === "duplicate") this.enqueue(sub.notificationUrl, "change", [sub.id], notification);
    }
  }

  private record(
    url: string,
    kind: WebhookDelivery["kind"],
    subscriptionIds: string[],
    value: Record<string, unknown>[],
  ): WebhookDelivery {
    const item: WebhookDelivery = {
      id: crypto.randomUUID(),
      kind,
      url,
      subscriptionIds,
      body: { value },
      queuedAt: new Date().toISOString(),
      attempts: 0,
      state: "pending",
    };
    this.log.push(item);
    if (this.log.length > 5_000) this.log.splice(0, this.log.length - 5_000);
    return item;
  }

  private enqueue(
    url: string,
    kind: WebhookDelivery["kind"],
    subscriptionIds: string[],
    notification: Record<string, unknown>,
  ): WebhookDelivery {
    const queue = this.queues.get(url) ?? [];
    this.queues.set(url, queue);
    // notifications waiting for the same URL travel together (a changeNotificationCollection)
    const waiting = queue.length > 1 ? queue[queue.length - 1] : undefined;
    if (waiting && waiting.kind === kind && waiting.attempts === 0 && waiting.body.value.length < 10) {
      waiting.body.value.push(notification);
      waiting.subscriptionIds.push(...subscriptionIds.filter((id) => !waiting.subscriptionIds.includes(id)));
      return waiting;
    }
    const item = this.record(url, kind, subscriptionIds, [notification]);
    queue.push(item);
    if (!this.running.has(url)) void this.drain(url);
    return item;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async drain(url: string): Promise<void> {
    const generation = this.generation;
    this.running.add(url);
    const queue = this.queues.get(url);
    while (queue && queue.length > 0 && generation === this.generation && !this.closed) {
      const item = queue[0]!;
      const ok = await this.attempt(item);
      if (generation !== this.generation) return;
      if (ok || item.attempts >= MAX_ATTEMPTS) {
        if (!ok) item.state = "failed";
        queue.shift();
        continue;
      }
      await this.sleep(Math.min(30_000, this.deps.retryBaseMs() * 2 ** Math.min(item.attempts - 1, 10)));
    }
    if (generation === this.generation) {
      this.running.delete(url);
      this.queues.delete(url);
    }
  }

  private async attempt(item: WebhookDelivery): Promise<boolean> {
    item.attempts++;
    try {
      const res = await fetch(item.url, {
        method: "POST",
        headers: { "Content-Type": "application/json; charset=utf-8" },
        body: JSON.stringify(item.body),
        redirect: "manual",
        signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      item.lastStatus = res.status;
      if (res.status >= 200 && res.status < 300) {
        item.state = "delivered";
        item.deliveredAt = new Date().toISOString();
        item.lastError = undefined;
        return true;
      }
      item.lastError = `HTTP ${res.status}`;
      return false;
    } catch (err) {
      item.lastStatus = 0;
      item.lastError = err instanceof Error ? err.message : String(err);
      return false;
    }
  }
}
