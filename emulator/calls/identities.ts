import { findUser } from "../directory";
import type { IdentitySet, Member } from "./model";
import type { EngineState } from "./state";

// Who an endpoint is: endpoint keys ("user:<oid>", "phone:+E164", "guest:<id>") and Graph identity sets.

export function identityForKey(
  engine: EngineState,
  endpointKey: string,
  displayName?: string,
): { kind: Member["kind"]; identity: IdentitySet; displayName: string } | undefined {
  const [type, value = ""] = splitKey(endpointKey);
  if (type === "user") {
    const user = findUser(engine.deps.directory, value);
    if (!user) return undefined;
    return {
      kind: "user",
      displayName: user.displayName,
      identity: {
        user: {
          "@odata.type": "#microsoft.graph.identity",
          id: user.id,
          displayName: user.displayName,
          tenantId: engine.deps.directory.tenantId,
          identityProvider: "AAD",
        },
      },
    };
  }
  if (type === "phone") {
    return {
      kind: "phone",
      displayName: displayName ?? value,
      identity: {
        phone: { "@odata.type": "#microsoft.graph.identity", id: value, displayName: displayName ?? null },
      },
    };
  }
  if (type === "guest") {
    return {
      kind: "guest",
      displayName: displayName ?? "Guest",
      identity: {
        guest: { "@odata.type": "#microsoft.graph.identity", id: value, displayName: displayName ?? "Guest" },
      },
    };
  }
  return undefined;
}

/** Endpoint key for an invitationParticipantInfo.identity, or undefined if it names nobody we know. */
export function keyForIdentity(identity: Record<string, unknown> | undefined): string | undefined {
  const user = identity?.user as { id?: string } | undefined;
  const phone = identity?.phone as { id?: string } | undefined;
  if (user?.id) return `user:${user.id.toLowerCase()}`;
  if (phone?.id) return `phone:${phone.id}`;
  return undefined;
}

export function botIdentity(engine: EngineState): IdentitySet {
  return {
    application: {
      "@odata.type": "#microsoft.graph.identity",
      id: engine.deps.app.clientId,
      displayName: engine.deps.app.displayName,
    },
  };
}

function splitKey(key: string): [string, string | undefined] {
  const i = key.indexOf(":");
  return i < 0 ? [key, undefined] : [key.slice(0, i), key.slice(i + 1)];
}
