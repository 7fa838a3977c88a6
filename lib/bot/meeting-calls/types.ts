// The dependencies of the bot's call control and the shapes it hands to the routes and the page.
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { CallsApi, MeetingsApi } from "@/lib/graph/gateway";

export interface CallControlDeps {
  db: PrismaClient;
  calls: CallsApi;
  /** application meetings API for an organizer (fallback join by meeting id) */
  meetingsFor?(organizerEntraObjectId: string): MeetingsApi;
  /** PUBLIC_BASE_URL + /api/calls/notifications */
  callbackUri: string;
  tenantId: string;
  /**
   * CLINIC_LINE_APPLICATION_INSTANCE_ID: the clinic's resource account with a number. Meeting joins and group
   * calls are placed from it, so that phone numbers can be invited into them (they are dialled from the
   * call's source); without it phone invitations are refused.
   */
  clinicLineInstanceId?: string;
  /**
   * The automatic leave, signalled to the call's attendance flow through the call runtime (which holds the
   * call while it hangs up): "busy" when another process holds the call right now.
   */
  signalLeave(callId: string, reason: string): Promise<"handled" | "busy" | "missing">;
}

export type InviteTarget = { kind: "user"; userId: string; displayName?: string } | { kind: "phone"; e164: string };

export interface RosterView {
  call: {
    id: string;
    state: string;
    purpose: string;
    outcome: string | null;
    appointmentId: string | null;
    establishedAt: Date | null;
    endedAt: Date | null;
    /** Graph mutes participants in meetings and group calls only, never in a peer-to-peer call */
    canMute: boolean;
  };
  participants: {
    id: string;
    graphParticipantId: string;
    displayName: string | null;
    kind: string;
    isBot: boolean;
    isMuted: boolean;
    isInLobby: boolean;
    joinedAt: Date;
  }[];
  invitations: {
    operationId: string;
    label: string | null;
    status: string;
    /** ringing, answered, declined, busy, no-answer, unreachable, failed */
    outcome: string;
    resultCode: number | null;
    resultSubcode: number | null;
  }[];
}
