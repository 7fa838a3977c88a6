import crypto from "node:crypto";

// What each simulated patient received (and texted back), in memory like the rest of the emulator's state:
// the outbox page shows it to people, the control API to tests.

interface StoredAttachment {
  name: string;
  contentType: string;
  size: number;
  content: Buffer;
}

export interface StoredMail {
  id: string;
  /** the mailbox it was sent as */
  from: string;
  to: { address: string; name: string | null }[];
  subject: string;
  bodyType: "text" | "html";
  body: string;
  attachments: StoredAttachment[];
  saveToSentItems: boolean;
  receivedAt: string;
}

type SmsDelivery = "pending" | "delivered" | "failed" | "notRequested";

export interface StoredSms {
  id: string;
  direction: "outgoing" | "incoming";
  /** ACS's message id (Outgoing_… / Incoming_…) */
  messageId: string;
  from: string;
  to: string;
  text: string;
  /** GSM-7 or UCS-2 and how many parts, as a phone would bill it */
  encoding: "GSM-7" | "UCS-2";
  segments: number;
  tag: string | null;
  delivery: SmsDelivery;
  deliveryDetail: string | null;
  receivedAt: string;
}

const GSM7 = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM7_EXTENSION = new Set("\f^{}\\[~]|€");

/** Parts a carrier would split the text into (3GPP TS 23.038: 160/153 septets, or 70/67 UCS-2 units). */
function smsParts(text: string): { encoding: "GSM-7" | "UCS-2"; segments: number } {
  const chars = [...text];
  if (chars.every((c) => GSM7.has(c) || GSM7_EXTENSION.has(c))) {
    const septets = chars.reduce((n, c) => n + (GSM7_EXTENSION.has(c) ? 2 : 1), 0);
    return { encoding: "GSM-7", segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  }
  return { encoding: "UCS-2", segments: text.length <= 70 ? 1 : Math.ceil(text.length / 67) };
}

export class Outbox {
  readonly mail: StoredMail[] = [];
  readonly sms: StoredSms[] = [];

  addMail(mail: Omit<StoredMail, "id" | "receivedAt">): StoredMail {
    const stored = { ...mail, id: crypto.randomUUID(), receivedAt: new Date().toISOString() };
    this.mail.push(stored);
    return stored;
  }

  addSms(sms: Omit<StoredSms, "id" | "receivedAt" | "encoding" | "segments">): StoredSms {
    const stored = { ...sms, ...smsParts(sms.text), id: crypto.randomUUID(), receivedAt: new Date().toISOString() };
    this.sms.push(stored);
    return stored;
  }

  /** Everyone who received or sent something: e-mail addresses and phone numbers. */
  recipients(): string[] {
    const people = new Set<string>();
    for (const m of this.mail) for (const to of m.to) people.add(to.address.toLowerCase());
    for (const s of this.sms) people.add(s.direction === "outgoing" ? s.to : s.from);
    return [...people].sort();
  }

  mailTo(address?: string): StoredMail[] {
    const key = address?.toLowerCase();
    return this.mail.filter((m) => !key || m.to.some((to) => to.address.toLowerCase() === key));
  }

  smsWith(number?: string): StoredSms[] {
    return this.sms.filter((s) => !number || s.to === number || s.from === number);
  }

  reset(): void {
    this.mail.length = 0;
    this.sms.length = 0;
  }
}

/** A stored mail for the control API: text attachments (the .ics) inline, others as their size. */
export function mailView(mail: StoredMail) {
  return {
    ...mail,
    attachments: mail.attachments.map((a, index) => ({
      index,
      name: a.name,
      contentType: a.contentType,
      size: a.size,
      ...(a.contentType.startsWith("text/") ? { text: a.content.toString("utf8") } : {}),
    })),
  };
}
