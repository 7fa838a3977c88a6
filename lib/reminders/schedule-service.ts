// Scheduling reminder calls: the Reminder row of an appointment's current version and its queued dispatch job
// (after a booking or a move, when staff ask for a call now, and the sweep that catches what was missed).
// Exactly-one semantics and the cap: lib/reminders/service.ts and README.md.
import "server-only";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import { LIVE_APPOINTMENT_STATUSES, isLiveAppointment } from "@/lib/constants";
import { AppError } from "@/lib/errors";
import type { Reminder } from "@/lib/generated/prisma/client";
import { STUCK_AFTER_MS } from "./dispatch-service";
import type { ReminderContext } from "./service";
import { planReminder } from "./timing";

/** a claim with no call after this long was cut off while placing it (Graph and the write retry for less) */
const INTERRUPTED_AFTER_MS = 5 * 60_000;

const singletonKeyFor = (r: Pick<Reminder, "appointmentId" | "appointmentVersion" | "attempts">, suffix = "") =>
  `${r.appointmentId}:${r.appointmentVersion}:${r.attempts}${suffix}`;

/** Queues the reminder's dispatch at its due time, once per appointment version and attempt (its singletonKey). */
export async function queueDispatch(
  { deps }: ReminderContext,
  reminder: Pick<Reminder, "id" | "appointmentId" | "appointmentVersion" | "attempts" | "dueAt">,
  suffix = "",
) {
  await deps.scheduler.dispatch(
    { reminderId: reminder.id, attempt: reminder.attempts },
    { at: reminder.dueAt, singletonKey: singletonKeyFor(reminder, suffix) },
  );
}

export function reminderScheduling(context: ReminderContext) {
  const { db, now, window } = context;
  const queue = (reminder: Parameters<typeof queueDispatch>[1], suffix = "") =>
    queueDispatch(context, reminder, suffix);

  async function loadAppointment(appointmentId: string) {
    return db.appointment.findUnique({
      where: { id: appointmentId },
      include: {
        appointmentType: { select: { reminderLeadMinutes: true } },
        patient: { select: { phone: true, teamsUserId: true, timeZone: true, locale: true } },
      },
    });
  }

  async function skipStale(appointmentId: string, currentVersion: number | null, detail: string) {
    await db.reminder.updateMany({
      where: {
        appointmentId,
        status: "SCHEDULED",
        ...(currentVersion === null ? {} : { appointmentVersion: { not: currentVersion } }),
      },
      data: { status: "SKIPPED", detail, finishedAt: now() },
    });
  }

  /**
   * Makes sure the appointment's current version has its reminder row and queued job (idempotent).
   * Call after booking or rescheduling; the sweep does it for anything missed.
   */
  async function scheduleReminder(appointmentId: string): Promise<Reminder | null> {
    const appointment = await loadAppointment(appointmentId);
    if (!appointment) return null;
    if (!isLiveAppointment(appointment.status)) {
      await skipStale(appointmentId, null, "appointment no longer live");
      return null;
    }
    await skipStale(appointmentId, appointment.version, "appointment moved");
    const plan = planReminder({
      startsAt: appointment.startsAt,
      leadMinutes: appointment.appointmentType.reminderLeadMinutes,
      timeZone: appointment.patient.timeZone,
      now: now(),
      window,
    });
    if ("skip" in plan) {
      if (plan.skip === "no-lead") return null;
      await db.reminder.createMany({
        skipDuplicates: true,
        data: {
          appointmentId,
          appointmentVersion: appointment.version,
          dueAt: now(),
          status: "SKIPPED",
          detail: "no waking-hours time left before the appointment",
          finishedAt: now(),
        },
      });
      return db.reminder.findUnique({
        where: { appointmentId_appointmentVersion: { appointmentId, appointmentVersion: appointment.version } },
      });
    }
    await db.reminder.createMany({
      skipDuplicates: true,
      data: { appointmentId, appointmentVersion: appointment.version, dueAt: plan.dueAt },
    });
    const reminder = await db.reminder.findUniqueOrThrow({
      where: { appointmentId_appointmentVersion: { appointmentId, appointmentVersion: appointment.version } },
    });
    if (reminder.status === "SCHEDULED") await queue(reminder);
    return reminder;
  }

  /** Staff: call the patient now (also again after an earlier outcome, unless a call is in progress). */
  async function remindNow(appointmentId: string, by: AuditActor): Promise<Reminder> {
    const appointment = await loadAppointment(appointmentId);
    if (!appointment) throw new AppError("NOT_FOUND", "Appointment not found.");
    if (!isLiveAppointment(appointment.status) || appointment.startsAt <= now())
      throw new AppError("UNPROCESSABLE", "Only upcoming appointments get reminder calls.");
    if (!appointment.patient.phone && !appointment.patient.teamsUserId)
      throw new AppError("UNPROCESSABLE", "The patient has no phone number or Teams account to call.");
    await skipStale(appointmentId, appointment.version, "appointment moved");
    const at = now();
    await db.reminder.createMany({
      skipDuplicates: true,
      data: { appointmentId, appointmentVersion: appointment.version, dueAt: at },
    });
    const key = { appointmentId_appointmentVersion: { appointmentId, appointmentVersion: appointment.version } };
    const current = await db.reminder.findUniqueOrThrow({ where: key });
    if (current.status === "CALLING") throw new AppError("CONFLICT", "A reminder call is already in progress.");
    const updated = await db.reminder.updateMany({
      where: { id: current.id, status: { not: "CALLING" }, attempts: current.attempts },
      data: { status: "SCHEDULED", dueAt: at, outcome: null, detail: null, finishedAt: null, requestedById: by.id },
    });
    if (updated.count !== 1) throw new AppError("CONFLICT", "A reminder call is already in progress.");
    const reminder = await db.reminder.findUniqueOrThrow({ where: { id: current.id } });
    await queue(reminder, `:now:${at.getTime()}`);
    await recordAudit(
      db,
      by,
      "reminder.remind-now",
      { type: "Appointment", id: appointmentId },
      {
        reminderId: reminder.id,
      },
    );
    return reminder;
  }

  /** Periodic safety net: reminders for upcoming appointments, due rows re-queued, stuck calls closed. */
  async function sweep(horizonDays = 8): Promise<{ scheduled: number; queued: number; stuck: number }> {
    const at = now();
    const upcoming = await db.appointment.findMany({
      where: {
        status: { in: LIVE_APPOINTMENT_STATUSES },
        startsAt: { gt: at, lt: new Date(at.getTime() + horizonDays * 86_400_000) },
        appointmentType: { reminderLeadMinutes: { not: null } },
        OR: [{ patient: { phone: { not: null } } }, { patient: { teamsUserId: { not: null } } }],
      },
      select: { id: true, version: true, reminders: { select: { appointmentVersion: true } } },
      take: 500,
    });
    let scheduled = 0;
    for (const a of upcoming) {
      if (a.reminders.some((r) => r.appointmentVersion === a.version)) continue;
      if (await scheduleReminder(a.id)) scheduled++;
    }
    const due = await db.reminder.findMany({ where: { status: "SCHEDULED", dueAt: { lte: at } }, take: 500 });
    for (const r of due) await queue(r);
    const stuck = await db.reminder.updateMany({
      where: { status: "CALLING", claimedAt: { lt: new Date(at.getTime() - STUCK_AFTER_MS) } },
      data: { status: "DONE", outcome: "FAILED", detail: "call did not finish", finishedAt: at },
    });
    // claimed but never linked to a call: the process died while placing it. Whether the phone rang is
    // unknown, so it is not dialled again (never twice); the outcome says so and frees the cap's slot.
    const interrupted = await db.reminder.updateMany({
      where: { status: "CALLING", graphCallId: null, claimedAt: { lt: new Date(at.getTime() - INTERRUPTED_AFTER_MS) } },
      data: { status: "DONE", outcome: "FAILED", detail: "interrupted while placing the call", finishedAt: at },
    });
    return { scheduled, queued: due.length, stuck: stuck.count + interrupted.count };
  }

  return { scheduleReminder, remindNow, sweep };
}
