import type { Directory } from "../directory";
import type { Router } from "../http/router";
import type { Authenticate } from "../identity/graph-auth";
import { registerOutboxPage } from "../pages/outbox";
import { ensureAcsResource, type AcsResource } from "./acs";
import { registerMessagingControl } from "./control";
import { EventPublisher } from "./events";
import { registerMailRoutes, type MailAccessPolicy } from "./mail-routes";
import { Outbox } from "./outbox";
import { registerSmsRoutes, type SmsState } from "./sms-routes";

// The stand-ins for the clinic's mailbox (Graph sendMail) and Azure Communication Services SMS (REST with HMAC,
// delivery reports and replies through Event Grid), and the outbox where a person reads what each simulated
// patient received.

export interface MessagingOptions {
  dataDir: string;
  directory: Directory;
  authenticate: Authenticate;
  /** the app's Event Grid webhook for SMS events, and the delivery properties (headers) it expects */
  eventsUrl: string | null;
  eventsHeaders: Record<string, string>;
  retryBaseMs: () => number;
  /** how long the simulated carrier takes to report a delivery */
  deliveryDelayMs: () => number;
  log?: (line: string) => void;
}

export interface MessagingEmulator {
  outbox: Outbox;
  acs: AcsResource;
  mailPolicy: MailAccessPolicy;
  sms: SmsState;
  events: EventPublisher;
  register(router: Router): void;
  reset(): void;
  close(): void;
}

export function createMessaging(options: MessagingOptions): MessagingEmulator {
  const { directory } = options;
  const acs = ensureAcsResource(options.dataDir, [directory.clinicLine.phone]);
  const outbox = new Outbox();
  // by default the policy lets the app send only as the clinic's mailbox, as docs/ENTRA-SETUP.md sets it up
  const defaultMailboxes = () => (directory.clinicMailbox ? [directory.clinicMailbox.toLowerCase()] : []);
  const mailPolicy: MailAccessPolicy = { allowAll: !directory.clinicMailbox, mailboxes: new Set(defaultMailboxes()) };
  const sms: SmsState = {
    resource: acs,
    optedOut: new Set(),
    phones: new Map(),
    repeatability: new Map(),
    deliveryDelayMs: options.deliveryDelayMs,
  };
  const initialSubscription = () => ({ url: options.eventsUrl, headers: { ...options.eventsHeaders } });
  const events = new EventPublisher(initialSubscription(), { retryBaseMs: options.retryBaseMs, log: options.log });
  return {
    outbox,
    acs,
    mailPolicy,
    sms,
    events,
    register(router) {
      registerMailRoutes(router, { outbox, directory, authenticate: options.authenticate, policy: mailPolicy });
      registerSmsRoutes(router, { outbox, state: sms, events });
      registerMessagingControl(router, { outbox, sms, events, mailPolicy, directory });
      registerOutboxPage(router);
    },
    reset() {
      outbox.reset();
      events.reset();
      Object.assign(events.subscription, initialSubscription());
      sms.optedOut.clear();
      sms.phones.clear();
      sms.repeatability.clear();
      mailPolicy.allowAll = !directory.clinicMailbox;
      mailPolicy.mailboxes = new Set(defaultMailboxes());
    },
    close() {
      events.close();
    },
  };
}
