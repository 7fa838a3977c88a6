// What staff and clinicians do with the bot: join an appointment's Teams meeting, invite people or a
// phone into it, mute or remove someone, leave; start a group call; read the roster. Every Graph action
// goes through lib/graph and is audited (who, what, when). State afterwards arrives as notifications
// (applied by the call runtime, lib/bot/runtime); these functions record only what Graph answered synchronously.
// The pieces: policy.ts (pure decisions), actions.ts (the audited Graph action), join.ts (join and leave),
// participants.ts (invite, mute, remove, group call, roster).
import "server-only";
import { callActions } from "./actions";
import { meetingAttendance } from "./join";
import { participantControls } from "./participants";
import type { CallControlDeps } from "./types";

export function callControl(deps: CallControlDeps) {
  const actions = callActions(deps);
  return { ...meetingAttendance(deps, actions), ...participantControls(deps, actions) };
}

export type CallControl = ReturnType<typeof callControl>;

export type { CallControlDeps, InviteTarget } from "./types";
export {
  PENDING_PREFIX,
  autoJoinBlocked,
  clinicLineInstance,
  countsAsBotCall,
  graphIdForRequest,
  parseJoinWebUrl,
  releaseStaleJoinClaims,
} from "./policy";
