import crypto from "node:crypto";
import { notification, type ChangeType, type CommsNotification } from "../notifications/envelope";
import type { CallRecord } from "./model";
import type { EngineState } from "./state";
import { hexIds } from "./ids";
import { callUrl } from "./serialize";

// Delivery of a call's notifications to its callbackUri, in the forms (emulator/variants.ts) the call was given.

export function send(
  engine: EngineState,
  call: CallRecord,
  changeType: ChangeType,
  resourceUrl: string,
  data: Record<string, unknown> | Array<Record<string, unknown>> | undefined,
  allowAfterEnd = false,
): void {
  if (call.state === "terminated" && !allowAfterEnd) return;
  const items = [item(call, changeType, resourceUrl, data)];
  // the `unknownItem` form: the POST saying the call is established also names something the bot does not know
  if (
    call.variant.unknownItem &&
    !call.unknownItemSent &&
    !Array.isArray(data) &&
    data?.state === "established" &&
    resourceUrl === callUrl(call.id)
  ) {
    call.unknownItemSent = true;
    const group = crypto.randomUUID();
    items.push(
      item(call, "created", `${callUrl(call.id)}/audioRoutingGroups/${group}`, {
        "@odata.type": "#microsoft.graph.audioRoutingGroup",
        id: group,
        routingMode: "oneToOne",
        sources: [call.myParticipantId],
        receivers: call.peerMemberId ? [call.peerMemberId] : [],
      }),
    );
  }
  if (!call.variant.batched) {
    engine.deps.notifier.send(call.id, call.callbackUri, items);
    return;
  }
  // the `batched` form: what is raised for the call in this turn goes in one POST
  if (call.batch && call.batch.url === call.callbackUri) {
    call.batch.items.push(...items);
    return;
  }
  flushBatch(engine, call);
  call.batch = { url: call.callbackUri, items };
  setImmediate(() => flushBatch(engine, call));
}

function flushBatch(engine: EngineState, call: CallRecord): void {
  const batch = call.batch;
  call.batch = undefined;
  if (batch) engine.deps.notifier.send(call.id, batch.url, batch.items);
}

/** One commsNotification of the call, its ids spelled as the call's `idSpelling` form says. */
function item(
  call: CallRecord,
  changeType: ChangeType,
  resourceUrl: string,
  data: Record<string, unknown> | Array<Record<string, unknown>> | undefined,
): CommsNotification {
  let url = resourceUrl;
  let body = data;
  if (call.variant.idSpelling === "hex") {
    // as the playPrompt and record completion examples spell them: the ids in the URL (and the entity's
    // @odata.id) as 32 uppercase hex digits; an `id` inside resourceData keeps its dashes
    url = hexIds(resourceUrl);
    if (body && !Array.isArray(body) && typeof body["@odata.id"] === "string")
      body = { ...body, "@odata.id": hexIds(body["@odata.id"]) };
  }
  return notification(changeType, url, call.callbackUri, body);
}

export function notifyCall(
  engine: EngineState,
  call: CallRecord,
  changeType: ChangeType,
  data: Record<string, unknown>,
  allowAfterEnd = false,
): void {
  const head = { "@odata.type": "#microsoft.graph.call", "@odata.id": callUrl(call.id) };
  // Updates carry the entity's version like the docs' examples; the final `deleted` of a rejected call is bare.
  const version = changeType === "deleted" ? {} : { "@odata.etag": nextEtag(engine) };
  send(engine, call, changeType, callUrl(call.id), { ...head, ...version, ...data }, allowAfterEnd);
}

/** A result notification (`deleted` on …/operations/{id}) for a finished operation. */
export function notifyOperation(
  engine: EngineState,
  call: CallRecord,
  opId: string,
  resource: Record<string, unknown>,
): void {
  send(engine, call, "deleted", `${callUrl(call.id)}/operations/${opId}`, {
    ...resource,
    "@odata.etag": nextEtag(engine),
  });
}

function nextEtag(engine: EngineState): string {
  return `W/"${++engine.counters.etag}"`;
}

/** The final `deleted` on the call (terminated, rejected, redirected) — sent after the call has ended. */
export function notifyCallGone(engine: EngineState, call: CallRecord, data: Record<string, unknown>): void {
  notifyCall(engine, call, "deleted", data, true);
}
