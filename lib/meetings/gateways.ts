import "server-only";
import { delegatedTokenStore } from "@/lib/auth/delegated-tokens";
import { graphForApp, graphForUser } from "@/lib/graph";
import type { MeetingGateways } from "./sync";

export const graphMeetingGateways: MeetingGateways = {
  delegated: (organizerUserId) => graphForUser(organizerUserId, delegatedTokenStore()).meetings,
  application: (organizerEntraObjectId) => graphForApp().meetingsFor(organizerEntraObjectId),
};
