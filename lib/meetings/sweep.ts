import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { LIVE_APPOINTMENT_STATUSES } from "@/lib/constants";

const HOUR_MS = 60 * 60 * 1000;

/**
 * Appointments whose Teams meeting is behind: live ones without a ready meeting at their current time,
 * and cancelled ones whose meeting still exists. The job queue gets the work right after each change;
 * this sweep catches what a crash between commit and enqueue would lose. FAILED meetings wait for a
 * person to press "retry".
 */
export async function appointmentsNeedingMeetingSync(db: PrismaClient, now: Date, limit = 200): Promise<string[]> {
  const candidates = await db.appointment.findMany({
    where: {
      endsAt: { gt: new Date(now.getTime() - HOUR_MS) },
      OR: [
        { status: { in: LIVE_APPOINTMENT_STATUSES }, meeting: null },
        { status: { in: LIVE_APPOINTMENT_STATUSES }, meeting: { state: { in: ["PENDING", "READY"] } } },
        { status: "CANCELLED", meeting: { state: { in: ["READY", "PENDING"] }, graphMeetingId: { not: null } } },
      ],
    },
    select: {
      id: true,
      status: true,
      startsAt: true,
      endsAt: true,
      meeting: { select: { state: true, startsAt: true, endsAt: true } },
    },
    orderBy: { startsAt: "asc" },
    take: limit * 5,
  });
  return candidates
    .filter((a) => {
      if (a.status === "CANCELLED" || !a.meeting || a.meeting.state === "PENDING") return true;
      return a.meeting.startsAt.getTime() !== a.startsAt.getTime() || a.meeting.endsAt.getTime() !== a.endsAt.getTime();
    })
    .slice(0, limit)
    .map((a) => a.id);
}
