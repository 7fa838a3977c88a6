import { findUser, type Directory, type DirectoryUser } from "../directory";
import { forbidden, HttpError, notFound, type RequestContext } from "../http/context";
import type { Principal } from "../identity/graph-auth";

// Whose online meetings a request reaches (/me or /users/{id}) and whether its token may: delegated scopes
// for the signed-in user, application roles plus the application access policy for anyone.

/**
 * The permission matrix of emulator/CONTRACT.md#permissions; meeting artifacts (attendee and attendance reports) need
 * OnlineMeetingArtifact.Read.All only.
 */
const DELEGATED_PERMISSIONS = {
  read: ["OnlineMeetings.Read", "OnlineMeetings.ReadWrite"],
  write: ["OnlineMeetings.ReadWrite"],
  artifact: ["OnlineMeetingArtifact.Read.All"],
};
export const APPLICATION_PERMISSIONS = {
  read: ["OnlineMeetings.Read.All", "OnlineMeetings.ReadWrite.All"],
  write: ["OnlineMeetings.ReadWrite.All"],
  artifact: ["OnlineMeetingArtifact.Read.All"],
};

/** Resolves "/me" or "/users/{id}" plus the permission matrix for onlineMeetings. */
export function resolveOrganizer(
  ctx: RequestContext,
  principal: Principal,
  directory: Directory,
  access: "read" | "write" | "artifact",
  accessPolicy: (userId: string) => boolean,
): DirectoryUser {
  const userParam = ctx.params.userId;
  if (userParam === undefined) {
    if (principal.kind !== "user")
      throw new HttpError(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
  }
  const user = findUser(directory, userParam ?? (principal.kind === "user" ? principal.userId : ""));
  if (!user) throw notFound(`User '${userParam ?? "me"}' was not found in the tenant.`);
  if (principal.kind === "user") {
    const needed = DELEGATED_PERMISSIONS[access];
    if (!principal.scopes.some((s) => needed.includes(s)))
      throw forbidden(
        `Insufficient privileges to complete the operation. Requires ${needed.join(" or ")} (delegated).`,
      );
    if (user.id !== principal.userId)
      throw forbidden("A delegated token can only access the signed-in user's online meetings.");
    return user;
  }
  const needed = APPLICATION_PERMISSIONS[access];
  if (!principal.roles.some((r) => needed.includes(r)))
    throw forbidden(
      `Insufficient privileges to complete the operation. Requires ${needed.join(" or ")} (application).`,
    );
  if (!accessPolicy(user.id)) {
    throw forbidden(
      `App ${principal.appId} is not authorized to ${access === "write" ? "Create" : "Get"} meeting on behalf of user ${user.id}`,
      "Unauthorized",
    );
  }
  return user;
}
