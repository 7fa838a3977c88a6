import crypto from "node:crypto";
import { SignJWT } from "jose";
import type { FaultInjector } from "../http/faults";
import type { SigningKey } from "../identity/keys";
import { envelope, type CommsNotification, type CommsNotifications } from "./envelope";

export const BOTFRAMEWORK_ISSUER = "https://api.botframework.com";

export interface DeliveryRecord {
  id: string;
  /** Queue key: the call id, so per-call order is preserved. */
  callId: string;
  url: string;
  body: CommsNotifications;
  queuedAt: string;
  deliveredAt?: string;
  attempts: number;
  /** Status of the last attempt (0 = network error). */
  lastStatus?: number;
  lastError?: string;
  state: "pending" | "delivered" | "dropped";
  /** True for the extra copy made by a "duplicate" fault. */
  duplicate?: boolean;
}

/**
 * Delivers commsNotifications to bot callbacks. One FIFO queue per call: an item is only sent after the
 * previous one was acknowledged with 2xx, and failed attempts are retried with exponential backoff until
 * delivered (or the emulator is reset/closed) — like the platform, nothing is lost while it runs.
 */
export class Notifier {
  private readonly queues = new Map<string, DeliveryRecord[]>();
  private readonly running = new Set<string>();
  private readonly log: DeliveryRecord[] = [];
  private generation = 0;
  private closed = false;
  private readonly wakeups = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly opts: {
      key: SigningKey;
      audience: () => string;
      tenantId: string;
      retryBaseMs: () => number;
      faults: FaultInjector;
    },
  ) {}

  send(callId: string, url: string, notifications: CommsNotification[]): void {
    if (this.closed || notifications.length === 0) return;
    const body = envelope(notifications);
    const resourceUrl = notifications[0]?.resourceUrl ?? "";
    const fault = this.opts.faults.take("notification", "POST", resourceUrl);
    const record = this.record(callId, url, body);
    if (fault?.action.type === "drop") {
      record.state = "dropped";
      return;
    }
    const latency = fault?.action.type === "latency" ? fault.action.ms : 0;
    this.enqueue(record, latency);
    if (fault?.action.type === "duplicate") {
      const copy = this.record(callId, url, body);
      copy.duplicate = true;
      this.enqueue(copy, 0);
    }
  }

  deliveries(filter: { callId?: string } = {}): DeliveryRecord[] {
    return this.log.filter((r) => !filter.callId || r.callId === filter.callId);
  }

  /** Resolves when every queue is empty (tests). */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ([...this.queues.values()].some((q) => q.length > 0)) {
      if (Date.now() > deadline) throw new Error("notifications still pending");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  reset(): void {
    this.generation++;
    this.queues.clear();
    this.running.clear();
    this.log.length = 0;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.wakeups) w();
    this.wakeups.clear();
  }

  close(): void {
    this.closed = true;
    this.reset();
  }

  async signToken(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ tid: this.opts.tenantId, serviceurl: "https://api.botframework.com" })
      .setProtectedHeader({ alg: "RS256", kid: this.opts.key.kid, typ: "JWT" })
      .setIssuer(BOTFRAMEWORK_ISSUER)
      .setAudience(this.opts.audience())
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + 3600)
      .sign(this.opts.key.privateKey);
  }

  private record(callId: string, url: string, body: CommsNotifications): DeliveryRecord {
    const rec: DeliveryRecord = {
      id: crypto.randomUUID(),
      callId,
      url,
      body,
      queuedAt: new Date().toISOString(),
      attempts: 0,
      state: "pending",
    };
    this.log.push(rec);
    if (this.log.length > 5000) this.log.splice(0, this.log.length - 5000);
    return rec;
  }

  private enqueue(record: DeliveryRecord, latencyMs: number): void {
    const queue = this.queues.get(record.callId) ?? [];
    this.queues.set(record.callId, queue);
    queue.push(record);
    if (!this.running.has(record.callId)) void this.drain(record.callId, latencyMs);
  }

  private sleep(ms: number, generation: number): Promise<void> {
    return new Promise((resolve) => {
      if (generation !== this.generation) return resolve();
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.wakeups.delete(resolve);
        resolve();
      }, ms);
      this.timers.add(t);
      this.wakeups.add(resolve);
    });
  }

  private async drain(callId: string, initialDelayMs: number): Promise<void> {
    const generation = this.generation;
    this.running.add(callId);
    if (initialDelayMs) await this.sleep(initialDelayMs, generation);
    const queue = this.queues.get(callId);
    while (queue && queue.length > 0 && generation === this.generation) {
      const item = queue[0]!;
      const ok = await this.attempt(item);
      if (generation !== this.generation) return;
      if (ok) {
        queue.shift();
        continue;
      }
      const delay = Math.min(30_000, this.opts.retryBaseMs() * 2 ** Math.min(item.attempts - 1, 10));
      await this.sleep(delay, generation);
    }
    if (generation === this.generation) {
      this.running.delete(callId);
      this.queues.delete(callId);
    }
  }

  private async attempt(item: DeliveryRecord): Promise<boolean> {
    item.attempts++;
    try {
      const res = await fetch(item.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Authorization: `Bearer ${await this.signToken()}`,
          "client-request-id": item.id,
        },
        body: JSON.stringify(item.body),
        redirect: "manual",
        signal: AbortSignal.timeout(15_000),
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
