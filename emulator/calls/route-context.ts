import { z } from "zod";
import { HttpError, type RequestContext } from "../http/context";
import type { Authenticate } from "../identity/graph-auth";
import { checkActionParameters, type Binding } from "../graph/actions";
import type { CallEngine } from "./engine";

// What the call, media and participant routes share: the body pieces several of them read, and how a
// follow-up request finds its call.

export const loose = z.looseObject({});
export const identitySetSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }).optional(),
  phone: z.looseObject({ id: z.string().regex(/^\+[1-9]\d{6,14}$/, "phone id must be E.164") }).optional(),
  application: z.looseObject({ id: z.string() }).optional(),
  applicationInstance: z.looseObject({ id: z.string() }).optional(),
  guest: loose.optional(),
});
export const invitationSchema = z.looseObject({ identity: identitySetSchema, replacesCallId: z.string().nullish() });
export const callbackUri = z
  .string()
  .url()
  .refine((u) => /^https?:/i.test(u), "callbackUri must be an http(s) URL");
export const clientContext = z.string().max(256).nullish();

export const APP_MEDIA = "#microsoft.graph.appHostedMediaConfig";

export const CALLS_BASE = "/v1.0/communications/calls";

/** The absolute URL of a Graph path, for Location headers. */
export function location(ctx: RequestContext, path: string): string {
  return `${ctx.url.origin}/v1.0${path}`;
}

export interface CallRouteContext {
  engine: CallEngine;
  limits: CallEngine["deps"]["limits"];
  /** Follow-up actions: any app token (permissions were checked when the call was created). */
  appCall(ctx: RequestContext): ReturnType<typeof findAppCall>;
  /** A bound action: authenticated, then its body held to the parameters Graph's schema declares for it. */
  appAction(ctx: RequestContext, action: string, binding?: Binding): ReturnType<typeof findAppCall>;
}

async function findAppCall(engine: CallEngine, authenticate: Authenticate, ctx: RequestContext) {
  const principal = await authenticate(ctx);
  if (principal.kind !== "app")
    throw new HttpError(403, "accessDenied", "Calls APIs do not support delegated permissions.");
  return { principal, call: engine.activeCall(ctx.params.callId!) };
}

export function callRouteContext(deps: { engine: CallEngine; authenticate: Authenticate }): CallRouteContext {
  const { engine, authenticate } = deps;
  const appCall = (ctx: RequestContext) => findAppCall(engine, authenticate, ctx);
  return {
    engine,
    limits: engine.deps.limits,
    appCall,
    async appAction(ctx, action, binding = "graph.call") {
      const found = await appCall(ctx);
      await checkActionParameters(ctx, binding, action);
      return found;
    },
  };
}
