// The clinician's Outlook as a page shows it: the sync's state and the busy times of the days shown. An
// event's subject is shown only to the clinician whose calendar it is (and private ones have none stored).
import "server-only";
import { getDb } from "@/lib/db";
import { outlookBusyBetween, outlookSyncState, type OutlookSyncState } from "./data";
import { outlookSettings } from "./settings";

export interface OutlookWeekView extends OutlookSyncState {
  enabled: boolean;
  busy: { startsAt: Date; endsAt: Date; showAs: string; blocks: boolean; title: string | null }[];
}

export async function outlookWeekForViewer(
  viewer: { id: string },
  clinicianId: string,
  range: { from: Date; to: Date },
): Promise<OutlookWeekView> {
  const enabled = outlookSettings().OUTLOOK_CALENDAR === "on";
  if (!enabled) return { enabled, status: "PENDING", statusDetail: null, lastSyncedAt: null, busy: [] };
  const db = getDb();
  const [state, busy] = await Promise.all([
    outlookSyncState(db, clinicianId),
    outlookBusyBetween(db, clinicianId, range.from, range.to),
  ]);
  const own = viewer.id === clinicianId;
  return {
    enabled,
    ...state,
    busy: busy.map((b) => ({
      startsAt: b.startsAt,
      endsAt: b.endsAt,
      showAs: b.showAs,
      blocks: b.blocks,
      title: own ? b.subject : null,
    })),
  };
}
