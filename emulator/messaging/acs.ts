import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { headerValue, type RequestContext } from "../http/context";

// The emulated Azure Communication Services resource: an access key (made once, kept in the data dir like the
// app registration) and the numbers it owns. Requests are signed as the ACS SDKs sign them (HMAC-SHA256 with
// the key, base64-decoded, over "VERB\npath?query\ndate;host;contentHash"), and checked the same way.

const resourceSchema = z.object({ accessKey: z.string().min(20), phoneNumbers: z.array(z.string()) });
export type AcsResource = z.infer<typeof resourceSchema>;

/** <dataDir>/acs-resource.json: created on first start; the numbers follow the directory. */
export function ensureAcsResource(dataDir: string, phoneNumbers: string[]): AcsResource {
  const file = path.join(dataDir, "acs-resource.json");
  let accessKey: string | undefined;
  if (fs.existsSync(file)) {
    const parsed = resourceSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    if (parsed.success) accessKey = parsed.data.accessKey;
  }
  const resource = { accessKey: accessKey ?? crypto.randomBytes(64).toString("base64"), phoneNumbers };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(resource, null, 2) + "\n", { mode: 0o600 });
  return resource;
}

/** How far x-ms-date may be from the emulator's clock (ACS refuses stale or future-dated requests). */
const MAX_CLOCK_SKEW_MS = 15 * 60_000;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** Checks an ACS HMAC-SHA256 request signature against the raw body. */
export function checkAcsSignature(
  ctx: RequestContext,
  body: Buffer,
  accessKey: string,
  now = Date.now(),
): SignatureCheck {
  const authorization = headerValue(ctx.req, "authorization") ?? "";
  const match = /^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(.+)$/.exec(authorization);
  if (!match) return { ok: false, reason: "missing or malformed HMAC-SHA256 Authorization header" };
  const signedHeaders = match[1]!.toLowerCase().split(";");
  const signature = match[2]!;
  const dateName = signedHeaders.includes("x-ms-date") ? "x-ms-date" : "date";
  if (
    !signedHeaders.includes(dateName) ||
    !signedHeaders.includes("host") ||
    !signedHeaders.includes("x-ms-content-sha256")
  )
    return { ok: false, reason: "SignedHeaders must cover x-ms-date (or date), host and x-ms-content-sha256" };
  const date = headerValue(ctx.req, dateName);
  const host = headerValue(ctx.req, "host");
  const contentHash = headerValue(ctx.req, "x-ms-content-sha256");
  if (!date || !host || !contentHash) return { ok: false, reason: "a signed header is missing" };
  const at = Date.parse(date);
  if (Number.isNaN(at) || Math.abs(now - at) > MAX_CLOCK_SKEW_MS)
    return { ok: false, reason: "x-ms-date is missing, unreadable or too far from now" };
  const actualHash = crypto.createHash("sha256").update(body).digest("base64");
  if (actualHash !== contentHash) return { ok: false, reason: "x-ms-content-sha256 does not match the body" };
  const query = ctx.url.searchParams.toString();
  const pathAndQuery = query ? `${ctx.url.pathname}?${query}` : ctx.url.pathname;
  const values = signedHeaders.map((name) => (name === "host" ? host : (headerValue(ctx.req, name) ?? "")));
  const stringToSign = `${(ctx.req.method ?? "GET").toUpperCase()}\n${pathAndQuery}\n${values.join(";")}`;
  const expected = crypto.createHmac("sha256", Buffer.from(accessKey, "base64")).update(stringToSign, "utf8").digest();
  const given = Buffer.from(signature, "base64");
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
    return { ok: false, reason: "the signature does not match" };
  return { ok: true };
}

/** "Outgoing_20300312130000a1b2…_noam"-shaped ids (inferred from ACS's examples). */
export function acsMessageId(direction: "Outgoing" | "Incoming"): string {
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  return `${direction}_${stamp}${crypto.randomUUID().replace(/-/g, "")}_noam`;
}
