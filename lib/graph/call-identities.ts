// Who a call is placed to, invited or redirected to: the identity sets and invitation targets of the calling API.
import "server-only";
import type { CommunicationsIdentitySet, InvitationParticipantInfo } from "@microsoft/microsoft-graph-types";

export function userIdentity(userId: string, displayName?: string, tenantId?: string): CommunicationsIdentitySet {
  return { user: { id: userId, ...(displayName ? { displayName } : {}), ...(tenantId ? { tenantId } : {}) } as never };
}

/** E.164 number, e.g. +5511987654321. */
export function phoneIdentity(e164: string): CommunicationsIdentitySet {
  if (!/^\+[1-9]\d{6,14}$/.test(e164)) throw new RangeError("phone numbers must be E.164 (+ and 7–15 digits)");
  return { phone: { id: e164 } };
}

export function target(identity: CommunicationsIdentitySet): InvitationParticipantInfo {
  return { "@odata.type": "#microsoft.graph.invitationParticipantInfo", identity } as InvitationParticipantInfo;
}
