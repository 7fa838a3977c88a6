import { z } from "zod";
import { findUser, type Directory } from "../directory";
import { HttpError, sendEmpty, type RequestContext } from "../http/context";
import type { Router } from "../http/router";
import { requireAppRole, type Authenticate } from "../identity/graph-auth";
import type { Outbox } from "./outbox";

// Graph's sendMail as a mailbox (emulator/CONTRACT.md#send-mail): POST /v1.0/users/{id | userPrincipalName}/sendMail
// with an application token holding Mail.Send, for a mailbox the application access policy lets the app use.
// 202 Accepted with no body; the message lands in the outbox, addressed to its recipients. Graph's refusals:
// 400 for a body it cannot read or a message without a valid recipient, 403 without the permission or outside
// the policy, 404 for a mailbox that does not exist.

/** Exchange's application access policy for the app: which mailboxes it may send as. */
export interface MailAccessPolicy {
  allowAll: boolean;
  mailboxes: Set<string>;
}

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

const recipientSchema = z.looseObject({
  emailAddress: z.looseObject({ address: z.string(), name: z.string().nullish() }),
});
const attachmentSchema = z.looseObject({
  "@odata.type": z.string(),
  name: z.string().nullish(),
  contentType: z.string().nullish(),
  contentBytes: z.string().nullish(),
});
const messageSchema = z.looseObject({
  subject: z.string().nullish(),
  body: z.looseObject({ contentType: z.string().nullish(), content: z.string().nullish() }).nullish(),
  toRecipients: z.array(recipientSchema).nullish(),
  ccRecipients: z.array(recipientSchema).nullish(),
  bccRecipients: z.array(recipientSchema).nullish(),
  attachments: z.array(attachmentSchema).nullish(),
});

const SEND_MAIL_PARAMETERS = new Set(["message", "saveToSentItems"]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const bad = (code: string, message: string) => new HttpError(400, code, message);

export function registerMailRoutes(
  router: Router,
  deps: { outbox: Outbox; directory: Directory; authenticate: Authenticate; policy: MailAccessPolicy },
): void {
  const { outbox, directory, authenticate, policy } = deps;

  router.on("POST", "/v1.0/users/:userId/sendMail", async (ctx: RequestContext) => {
    const principal = await authenticate(ctx);
    requireAppRole(principal, ["Mail.Send"], "sendMail for another mailbox");
    const user = findUser(directory, ctx.params.userId!);
    if (!user) throw new HttpError(404, "ErrorInvalidUser", `The requested user '${ctx.params.userId}' is invalid.`);
    const mailbox = user.userPrincipalName.toLowerCase();
    if (!policy.allowAll && !policy.mailboxes.has(mailbox))
      throw new HttpError(
        403,
        "ErrorAccessDenied",
        "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.",
      );

    const raw = await ctx.json();
    if (!raw || typeof raw !== "object" || Array.isArray(raw))
      throw bad("ErrorInvalidRequest", "Empty Payload. JSON content expected.");
    for (const key of Object.keys(raw)) {
      if (!SEND_MAIL_PARAMETERS.has(key))
        throw bad(
          "BadRequest",
          `The parameter '${key}' in the request payload is not a valid parameter for the operation 'sendMail'.`,
        );
    }
    const body = raw as Record<string, unknown>;
    if (body.message === undefined || body.message === null)
      throw bad("ErrorInvalidRequest", "The 'message' parameter of sendMail is required.");
    const parsed = messageSchema.safeParse(body.message);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw bad(
        "RequestBodyRead",
        `Cannot read the message: ${issue?.path.join(".") || "message"}: ${issue?.message ?? "invalid"}.`,
      );
    }
    const message = parsed.data;
    const saveToSentItems = body.saveToSentItems;
    if (saveToSentItems !== undefined && ![true, false, "true", "false"].includes(saveToSentItems as never))
      throw bad(
        "RequestBodyRead",
        "Cannot convert the literal for 'saveToSentItems' to the expected type 'Edm.Boolean'.",
      );

    const contentType = (message.body?.contentType ?? "text").toLowerCase();
    if (contentType !== "text" && contentType !== "html")
      throw bad("RequestBodyRead", `Requested value '${message.body?.contentType}' was not found.`);

    const recipients = [
      ...(message.toRecipients ?? []),
      ...(message.ccRecipients ?? []),
      ...(message.bccRecipients ?? []),
    ];
    if (recipients.length === 0)
      throw bad("ErrorInvalidRecipients", "At least one recipient isn't valid., Recipient is missing.");
    if (recipients.some((r) => !ADDRESS.test(r.emailAddress.address)))
      throw bad("ErrorInvalidRecipients", "At least one recipient isn't valid.");

    const attachments = (message.attachments ?? []).map((a) => {
      if (a["@odata.type"] !== "#microsoft.graph.fileAttachment")
        throw bad("ErrorInvalidRequest", `Only file attachments are accepted here, not '${a["@odata.type"]}'.`);
      if (!a.name) throw bad("ErrorInvalidRequest", "An attachment needs a name.");
      const bytes = (a.contentBytes ?? "").replace(/\s+/g, "");
      if (!BASE64.test(bytes))
        throw bad("RequestBodyRead", "The attachment's contentBytes is not a valid Base64 string.");
      const content = Buffer.from(bytes, "base64");
      return { name: a.name, contentType: a.contentType ?? "application/octet-stream", size: content.length, content };
    });

    outbox.addMail({
      from: mailbox,
      to: recipients.map((r) => ({ address: r.emailAddress.address, name: r.emailAddress.name ?? null })),
      subject: message.subject ?? "",
      bodyType: contentType,
      body: message.body?.content ?? "",
      attachments,
      saveToSentItems: saveToSentItems !== false && saveToSentItems !== "false",
    });
    sendEmpty(ctx, 202);
  });
}
