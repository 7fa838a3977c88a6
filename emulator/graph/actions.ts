import { HttpError, type RequestContext } from "../http/context";
import { checkActionBody, checkStructured, type SchemaIssue } from "./schema/validate";

/**
 * Request bodies held to Graph v1.0's schema (emulator/graph/schema, read from the vendored part of Microsoft's
 * CSDL in emulator/contract/metadata) before a route's own checks, so the emulator's strictness comes from
 * Microsoft's schema rather than from our reading of the docs (emulator/CONTRACT.md#schema).
 */
export type Binding =
  "graph.call" | "graph.participant" | "Collection(graph.participant)" | "Collection(graph.onlineMeeting)";

function refuse(issues: SchemaIssue[]): void {
  const first = issues[0];
  if (first) throw new HttpError(400, first.code, first.message);
}

/**
 * A bound action's body: 400 BadRequest for a parameter the action does not declare or a required one left out,
 * 400 RequestBodyRead for a value that does not read as its parameter's type.
 */
export async function checkActionParameters(ctx: RequestContext, binding: Binding, action: string): Promise<void> {
  refuse(checkActionBody(binding, action, await ctx.json()));
}

/** An entity in a create (POST) or update (PATCH) body: 400 RequestBodyRead when it does not read as `type`. */
export async function checkEntityBody(ctx: RequestContext, type: "call" | "onlineMeeting"): Promise<void> {
  refuse(checkStructured(type, await ctx.json()));
}
