// What the appointment page shows about attendance. The caller has already checked the viewer may see the
// appointment (appointmentForViewer).
import "server-only";
import { getDb, type PrismaClient } from "@/lib/db";

export interface AttendanceView {
  decision: "HELD" | "PATIENT_ABSENT" | "CLINICIAN_ABSENT" | null;
  patientMinutes: number | null;
  clinicianMinutes: number | null;
  patientByPhone: boolean;
  checkedAt: Date | null;
  nextCheckAt: Date | null;
  lastError: string | null;
  correctedBy: string | null;
  correctedAt: Date | null;
}

const minutes = (seconds: number | null) => (seconds === null ? null : Math.round(seconds / 60));

export async function attendanceForAppointment(
  appointmentId: string,
  db: PrismaClient = getDb(),
): Promise<AttendanceView | null> {
  const row = await db.appointmentAttendance.findUnique({ where: { appointmentId } });
  if (!row) return null;
  const corrector = row.correctedById
    ? await db.user.findUnique({ where: { id: row.correctedById }, select: { name: true } })
    : null;
  return {
    decision: row.decision,
    patientMinutes: minutes(row.patientSeconds),
    clinicianMinutes: minutes(row.clinicianSeconds),
    patientByPhone: row.patientByPhone,
    checkedAt: row.checkedAt,
    nextCheckAt: row.nextCheckAt,
    lastError: row.lastError,
    correctedBy: corrector?.name ?? null,
    correctedAt: row.correctedAt,
  };
}
