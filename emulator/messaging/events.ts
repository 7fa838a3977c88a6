import crypto from "node:crypto";

// Event Grid's side of ACS SMS: delivery reports and incoming texts POSTed, as an event subscription with a
// webhook endpoint would, to the app's route. Event Grid schema (an array of events) with the header
// aeg-event-type: Notification, and the subscription's custom delivery properties (the app's secret, as
// Authorization: Bearer …) on every request. A delivery that fails is retried with a growing wait, as Event
// Grid does, a few times here.

export interface EventSubscription {
  url: string | null;
  /** custom delivery properties: static headers (Event Grid marks secret ones; they are sent as any other) */
  headers: Record<string, string>;
}

export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: Record<string, unknown>;
  dataVersion: string;
  metadataVersion: string;
}

export interface EventDelivery {
  event: EventGridEvent;
  attempts: number;
  lastStatus: number | null;
  state: "pending" | "delivered" | "failed";
}

const ACS_TOPIC =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/consulta-emulator/providers/Microsoft.Communication/communicationServices/consulta-emulator";

export function smsEvent(
  eventType: "SMSDeliveryReportReceived" | "SMSReceived",
  subject: string,
  data: Record<string, unknown>,
): EventGridEvent {
  return {
    id: crypto.randomUUID(),
    topic: ACS_TOPIC,
    subject,
    eventType: `Microsoft.Communication.${eventType}`,
    eventTime: new Date().toISOString(),
    data,
    dataVersion: "1.0",
    metadataVersion: "1",
  };
}

export class EventPublisher {
  readonly deliveries: EventDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    readonly subscription: EventSubscription,
    private readonly options: { retryBaseMs: () => number; maxAttempts?: number; log?: (line: string) => void },
  ) {}

  publish(event: EventGridEvent, delayMs = 0): EventDelivery {
    const delivery: EventDelivery = { event, attempts: 0, lastStatus: null, state: "pending" };
    this.deliveries.push(delivery);
    this.later(() => this.attempt(delivery), delayMs);
    return delivery;
  }

  private later(run: () => Promise<void>, ms: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void run();
    }, ms);
    this.timers.add(timer);
  }

  private async attempt(delivery: EventDelivery): Promise<void> {
    const url = this.subscription.url;
    if (!url) {
      delivery.state = "failed";
      return;
    }
    delivery.attempts++;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "aeg-event-type": "Notification", ...this.subscription.headers },
        body: JSON.stringify([delivery.event]),
        signal: AbortSignal.timeout(10_000),
      });
      delivery.lastStatus = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) {
        delivery.state = "delivered";
        return;
      }
    } catch {
      delivery.lastStatus = 0;
    }
    if (delivery.attempts >= (this.options.maxAttempts ?? 6)) {
      delivery.state = "failed";
      this.options.log?.(`event ${delivery.event.eventType} not delivered after ${delivery.attempts} attempts`);
      return;
    }
    this.later(
      () => this.attempt(delivery),
      Math.min(30_000, this.options.retryBaseMs() * 2 ** (delivery.attempts - 1)),
    );
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.deliveries.length = 0;
  }

  close(): void {
    this.closed = true;
    this.reset();
  }
}
