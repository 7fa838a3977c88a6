import { findUser, type Directory, type DirectoryUser } from "../directory";
import { HttpError, type RequestContext } from "../http/context";
import type { Principal } from "../identity/graph-auth";

// Which mailbox a calendar request names (/me or /users/{id|upn}) and whether its token may use it.

/** Which mailboxes an app token may reach: Exchange's application access policy (all, unless restricted). */
export interface MailboxPolicy {
  allowAll: boolean;
  userIds: Set<string>;
}

const READ = ["Calendars.Read", "Calendars.ReadWrite"];
const WRITE = ["Calendars.ReadWrite"];

const accessDenied = (message = "Access is denied. Check credentials and try again.") =>
  new HttpError(403, "ErrorAccessDenied", message);

/** Resolves /me or /users/{id|upn} to a mailbox and checks the token may read or write its calendar. */
export function mailboxFor(
  directory: Directory,
  policy: MailboxPolicy,
  principal: Principal,
  userParam: string | undefined,
  access: "read" | "write",
): DirectoryUser {
  if (userParam === undefined && principal.kind !== "user")
    throw new HttpError(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
  const user = findUser(directory, userParam ?? (principal.kind === "user" ? principal.userId : ""));
  if (!user) throw new HttpError(404, "ErrorInvalidUser", `The requested user '${userParam ?? "me"}' is invalid.`);
  const needed = access === "write" ? WRITE : READ;
  if (principal.kind === "user") {
    if (!principal.scopes.some((s) => needed.includes(s)) || user.id !== principal.userId) throw accessDenied();
    return user;
  }
  if (!principal.roles.some((r) => needed.includes(r))) throw accessDenied();
  if (!policy.allowAll && !policy.userIds.has(user.id))
    throw accessDenied("Access to OData is disabled: Blocked by tenant configured AppOnly AccessPolicy settings.");
  return user;
}

/** The mailbox as an @odata.context names it: `me`, or `users('{id}')`. */
export const mailboxScope = (ctx: RequestContext, user: DirectoryUser) =>
  ctx.params.userId === undefined ? "me" : `users('${user.id}')`;

/** The path the request reached the mailbox by, for Location headers and next/delta links. */
export const mailboxPath = (ctx: RequestContext, user: DirectoryUser) =>
  ctx.params.userId === undefined ? "/v1.0/me" : `/v1.0/users/${encodeURIComponent(user.id)}`;
