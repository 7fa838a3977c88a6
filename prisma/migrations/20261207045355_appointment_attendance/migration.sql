-- CreateEnum
CREATE TYPE "AttendanceDecision" AS ENUM ('HELD', 'PATIENT_ABSENT', 'CLINICIAN_ABSENT');

-- CreateTable
CREATE TABLE "AppointmentAttendance" (
    "appointmentId" UUID NOT NULL,
    "decision" "AttendanceDecision",
    "patientSeconds" INTEGER,
    "clinicianSeconds" INTEGER,
    "patientByPhone" BOOLEAN NOT NULL DEFAULT false,
    "reportCount" INTEGER NOT NULL DEFAULT 0,
    "checks" INTEGER NOT NULL DEFAULT 0,
    "checkedAt" TIMESTAMPTZ(3),
    "nextCheckAt" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "correctedById" UUID,
    "correctedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AppointmentAttendance_pkey" PRIMARY KEY ("appointmentId")
);

-- CreateIndex
CREATE INDEX "AppointmentAttendance_nextCheckAt_idx" ON "AppointmentAttendance"("nextCheckAt");

-- AddForeignKey
ALTER TABLE "AppointmentAttendance" ADD CONSTRAINT "AppointmentAttendance_appointmentId_fkey" FOREIGN KEY ("appointmentId") REFERENCES "Appointment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
