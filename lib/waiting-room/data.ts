// Who is in each visit's Teams meeting right now, from the roster the bot keeps (lib/bot/process.ts writes
// CallParticipant rows as Graph reports them): one query over the bot's live meeting calls. Explicit
// parameters, no session: lib/waiting-room/views.ts decides who sees what.
import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { PENDING_PREFIX } from "@/lib/bot/meeting-calls";
import { LIVE_APPOINTMENT_STATUSES, LIVE_CALL_STATES } from "@/lib/constants";
import type { PresentPerson, VisitPresence } from "./types";

/**
 * The visits (live, not over) whose meeting the bot is in, with who waits in the lobby and who has joined,
 * oldest arrival first; `clinicianId` keeps one clinician's. The bot itself is left out. When the bot
 * holds two calls in one meeting (it left and came back), the newest tells.
 */
export async function visitsWithPresence(
  db: PrismaClient,
  params: { clinicianId: string | null; now: Date },
): Promise<VisitPresence[]> {
  const calls = await db.call.findMany({
    where: {
      purpose: "MEETING_JOIN",
      state: { in: LIVE_CALL_STATES },
      NOT: { graphCallId: { startsWith: PENDING_PREFIX } },
      appointment: {
        status: { in: LIVE_APPOINTMENT_STATUSES },
        endsAt: { gt: params.now },
        ...(params.clinicianId ? { clinicianId: params.clinicianId } : {}),
      },
    },
    orderBy: { createdAt: "desc" },
    take: 500,
    select: {
      appointment: {
        select: {
          id: true,
          clinicianId: true,
          startsAt: true,
          endsAt: true,
          patient: { select: { firstName: true, lastName: true } },
          meeting: { select: { joinWebUrl: true } },
        },
      },
      participants: {
        where: { leftAt: null, identityKind: { not: "application" } },
        orderBy: [{ joinedAt: "asc" }, { id: "asc" }],
        select: { id: true, displayName: true, identityKind: true, isInLobby: true, joinedAt: true },
      },
    },
  });
  const seen = new Set<string>();
  const visits: VisitPresence[] = [];
  for (const call of calls) {
    const a = call.appointment;
    if (!a || seen.has(a.id)) continue;
    seen.add(a.id);
    const person = (p: (typeof call.participants)[number]): PresentPerson => ({
      id: p.id,
      name: p.displayName,
      kind: p.identityKind,
      since: p.joinedAt.toISOString(),
    });
    visits.push({
      appointmentId: a.id,
      clinicianId: a.clinicianId,
      patientName: `${a.patient.firstName} ${a.patient.lastName}`,
      startsAt: a.startsAt.toISOString(),
      endsAt: a.endsAt.toISOString(),
      joinWebUrl: a.meeting?.joinWebUrl ?? null,
      lobby: call.participants.filter((p) => p.isInLobby).map(person),
      joined: call.participants.filter((p) => !p.isInLobby).map(person),
    });
  }
  return visits.sort((x, y) => x.startsAt.localeCompare(y.startsAt) || x.appointmentId.localeCompare(y.appointmentId));
}
