import fs from "node:fs";
import path from "node:path";
import { HttpError, type RequestContext } from "../http/context";

/**
 * Graph v1.0's bound actions on calls, participants and online meetings, read from the vendored part of
 * Microsoft's CSDL (emulator/contract/metadata): which body parameters each action takes. A request that
 * sends another one is answered 400, as Graph's OData layer does, so the emulator's strictness comes from
 * Microsoft's schema rather than from our reading of the docs.
 */
const METADATA = path.resolve(import.meta.dirname, "../contract/metadata/graph-v1.0-actions.xml");

export type Binding =
  "graph.call" | "graph.participant" | "Collection(graph.participant)" | "Collection(graph.onlineMeeting)";

let parameters: Map<string, ReadonlySet<string>> | undefined;

function load(): Map<string, ReadonlySet<string>> {
  const xml = fs.readFileSync(METADATA, "utf8");
  const actions = new Map<string, ReadonlySet<string>>();
  for (const [, name, body] of xml.matchAll(/<Action Name="([^"]+)"[^>]*>([\s\S]*?)<\/Action>/g)) {
    const names = [...body!.matchAll(/<Parameter Name="([^"]+)" Type="([^"]+)"/g)];
    const binding = names.find(([, parameter]) => parameter === "bindingParameter")?.[2];
    if (!binding) continue;
    actions.set(
      `${binding} ${name}`,
      new Set(names.map(([, parameter]) => parameter!).filter((p) => p !== "bindingParameter")),
    );
  }
  return actions;
}

/** The body parameters `action` bound to `binding` declares. */
export function actionParameters(binding: Binding, action: string): ReadonlySet<string> {
  parameters ??= load();
  const declared = parameters.get(`${binding} ${action}`);
  if (!declared) throw new Error(`the vendored schema has no action ${action} bound to ${binding}`);
  return declared;
}

/**
 * 400 when the request body names a parameter the action does not declare (OData instance annotations such
 * as `@odata.type` are not parameters). Read before the route's own validation.
 */
export async function checkActionParameters(ctx: RequestContext, binding: Binding, action: string): Promise<void> {
  const declared = actionParameters(binding, action);
  const body = await ctx.json();
  if (!body || typeof body !== "object" || Array.isArray(body)) return;
  const unknown = Object.keys(body).find((key) => !key.includes("@") && !declared.has(key));
  if (unknown !== undefined)
    throw new HttpError(
      400,
      "BadRequest",
      `The parameter '${unknown}' in the request payload is not a valid parameter for the operation '${action}'.`,
    );
}
