// Mail from a clinic mailbox (POST /users/{mailbox}/sendMail, application permission Mail.Send, which an
// Exchange application access policy limits to that mailbox: docs/ENTRA-SETUP.md). Graph answers 202 with no
// body; the message is then Exchange's to deliver, and nothing reports its delivery back. The gateway does not
// retry these: the message's job does, after Retry-After, so the wait shows on the message.
import "server-only";
import type { Message } from "@microsoft/microsoft-graph-types";
import type { GraphClient } from "./client";
import { GraphError } from "./errors";

interface MailAttachment {
  name: string;
  contentType: string;
  /** the file's bytes */
  content: Buffer;
}

export interface OutgoingMail {
  subject: string;
  html: string;
  to: { address: string; name?: string };
  attachments?: MailAttachment[];
}

export async function sendMail(client: GraphClient, mailbox: string, mail: OutgoingMail): Promise<void> {
  const message: Message = {
    subject: mail.subject,
    body: { contentType: "html", content: mail.html },
    toRecipients: [{ emailAddress: { address: mail.to.address, ...(mail.to.name ? { name: mail.to.name } : {}) } }],
    attachments: (mail.attachments ?? []).map((a) => ({
      "@odata.type": "#microsoft.graph.fileAttachment",
      name: a.name,
      contentType: a.contentType,
      contentBytes: a.content.toString("base64"),
    })) as Message["attachments"],
  };
  const response = await client.request(
    "POST",
    `/users/${encodeURIComponent(mailbox)}/sendMail`,
    { message, saveToSentItems: true },
    { retryOn: "never" },
  );
  if (response.status !== 202) {
    throw new GraphError({
      status: response.status,
      code: "unexpectedStatus",
      message: `sendMail answered ${response.status} instead of 202 Accepted`,
      requestId: response.headers.get("request-id") ?? undefined,
    });
  }
}
