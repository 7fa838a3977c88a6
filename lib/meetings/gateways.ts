import "server-only";
import { graphForApp, graphForUser } from "@/lib/graph";
import type { MeetingGateways } from "./sync";

export const graphMeetingGateways: MeetingGateways = {
  delegated: (organizerUserId) => graphForUser(organizerUserId).meetings,
  application: (organizerEntraObjectId) => graphForApp().meetingsFor(organizerEntraObjectId),
};
