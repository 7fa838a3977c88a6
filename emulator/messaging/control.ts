import { z } from "zod";
import { findUser, type Directory } from "../directory";
import { notFound, badRequest, sendJson } from "../http/context";
import type { Router } from "../http/router";
import type { EventPublisher } from "./events";
import type { MailAccessPolicy } from "./mail-routes";
import { mailView, type Outbox } from "./outbox";
import { receiveSms, type SmsState } from "./sms-routes";

// Control API of the mailbox and SMS stand-ins (tests, and the outbox page): what each simulated patient
// received, texts back from their phones, how their phones report delivery, where Event Grid delivers, and
// which mailboxes the application access policy lets the app send as.

const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number such as +5511987654321");

export function registerMessagingControl(
  router: Router,
  deps: {
    outbox: Outbox;
    sms: SmsState;
    events: EventPublisher;
    mailPolicy: MailAccessPolicy;
    directory: Directory;
  },
): void {
  const { outbox, sms, events, mailPolicy, directory } = deps;

  router.on("GET", "/_emulator/outbox/mail", (ctx) =>
    sendJson(ctx, 200, { value: outbox.mailTo(ctx.url.searchParams.get("to") ?? undefined).map(mailView) }),
  );
  router.on("GET", "/_emulator/outbox/sms", (ctx) =>
    sendJson(ctx, 200, { value: outbox.smsWith(ctx.url.searchParams.get("with") ?? undefined) }),
  );
  router.on("GET", "/_emulator/outbox/recipients", (ctx) => sendJson(ctx, 200, { value: outbox.recipients() }));
  router.on("GET", "/_emulator/outbox/mail/:id/attachments/:index", (ctx) => {
    const mail = outbox.mail.find((m) => m.id === ctx.params.id);
    const attachment = mail?.attachments[Number(ctx.params.index)];
    if (!attachment) throw notFound(`Attachment '${ctx.params.index}' of mail '${ctx.params.id}' was not found.`);
    ctx.res.writeHead(200, {
      "Content-Type": attachment.contentType,
      "Content-Disposition": `attachment; filename="${attachment.name.replace(/["\\\r\n]/g, "_")}"`,
      "Cache-Control": "no-store",
    });
    ctx.res.end(attachment.content);
  });
  router.on("DELETE", "/_emulator/outbox", (ctx) => {
    outbox.reset();
    sendJson(ctx, 200, { value: [] });
  });

  // a text from a patient's phone to the clinic's number (the first the resource owns, unless `to` says)
  router.on("POST", "/_emulator/sms/replies", async (ctx) => {
    const body = await ctx.parse(z.object({ from: E164, text: z.string().min(1).max(1000), to: E164.optional() }));
    const to = body.to ?? sms.resource.phoneNumbers[0];
    if (!to || !sms.resource.phoneNumbers.includes(to))
      throw badRequest(`'${to ?? ""}' is not a number of the ACS resource.`);
    sendJson(ctx, 201, receiveSms({ outbox, state: sms, events }, { from: body.from, to, text: body.text }));
  });
  router.on("GET", "/_emulator/sms/opt-outs", (ctx) => sendJson(ctx, 200, { value: [...sms.optedOut] }));
  router.on("PUT", "/_emulator/sms/phones/:number", async (ctx) => {
    const number = E164.safeParse(ctx.params.number);
    if (!number.success) throw badRequest(`'${ctx.params.number}' is not an E.164 number.`);
    const body = await ctx.parse(z.object({ delivery: z.enum(["delivered", "failed", "none"]) }));
    sms.phones.set(number.data, body);
    sendJson(ctx, 200, { number: number.data, ...body });
  });

  // Event Grid: the app's webhook and its delivery properties
  router.on("GET", "/_emulator/sms/events", (ctx) =>
    sendJson(ctx, 200, {
      subscription: { url: events.subscription.url, headers: Object.keys(events.subscription.headers) },
      value: events.deliveries,
    }),
  );
  router.on("PUT", "/_emulator/sms/events", async (ctx) => {
    const body = await ctx.parse(
      z.object({ url: z.string().url().nullable(), headers: z.record(z.string(), z.string()).optional() }),
    );
    events.subscription.url = body.url;
    if (body.headers) events.subscription.headers = body.headers;
    sendJson(ctx, 200, { url: events.subscription.url, headers: Object.keys(events.subscription.headers) });
  });

  // Exchange's application access policy for sendMail
  router.on("GET", "/_emulator/mail-access-policy", (ctx) =>
    sendJson(ctx, 200, { allowAll: mailPolicy.allowAll, mailboxes: [...mailPolicy.mailboxes] }),
  );
  router.on("PUT", "/_emulator/mail-access-policy", async (ctx) => {
    const body = await ctx.parse(
      z.object({ allowAll: z.boolean().optional(), mailboxes: z.array(z.string()).optional() }),
    );
    if (body.allowAll !== undefined) mailPolicy.allowAll = body.allowAll;
    if (body.mailboxes) {
      mailPolicy.mailboxes.clear();
      for (const m of body.mailboxes) {
        const user = findUser(directory, m);
        if (!user) throw notFound(`Mailbox '${m}' is not in the directory.`);
        mailPolicy.mailboxes.add(user.userPrincipalName.toLowerCase());
      }
    }
    sendJson(ctx, 200, { allowAll: mailPolicy.allowAll, mailboxes: [...mailPolicy.mailboxes] });
  });
}
