-- CreateEnum
CREATE TYPE "RescueTrigger" AS ENUM ('AUTOMATIC', 'MANUAL');

-- CreateEnum
CREATE TYPE "RescueStatus" AS ENUM ('CALLING', 'DONE');

-- CreateEnum
CREATE TYPE "RescueOutcome" AS ENUM ('JOINED', 'RECEPTION', 'RESCHEDULE', 'NO_ANSWER', 'BUSY', 'DECLINED', 'NO_RESPONSE', 'FAILED');

-- AlterEnum
ALTER TYPE "CallPurpose" ADD VALUE 'RESCUE';

-- AlterTable
ALTER TABLE "AppointmentType" ADD COLUMN     "rescueAfterMinutes" INTEGER;

-- AlterTable
ALTER TABLE "Patient" ADD COLUMN     "callsDeclinedAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "Rescue" (
    "id" UUID NOT NULL,
    "appointmentId" UUID NOT NULL,
    "appointmentVersion" INTEGER NOT NULL,
    "trigger" "RescueTrigger" NOT NULL,
    "status" "RescueStatus" NOT NULL DEFAULT 'CALLING',
    "outcome" "RescueOutcome",
    "detail" TEXT,
    "requestedById" UUID,
    "callId" UUID,
    "rescheduleRequestedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Rescue_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Rescue_appointmentId_idx" ON "Rescue"("appointmentId");

-- CreateIndex
CREATE INDEX "Rescue_status_idx" ON "Rescue"("status");

-- AddForeignKey
ALTER TABLE "Rescue" ADD CONSTRAINT "Rescue_appointmentId_fkey" FOREIGN KEY ("appointmentId") REFERENCES "Appointment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- At most one automatic rescue per appointment, whatever two sweeps decide at once (staff's own are not limited).
CREATE UNIQUE INDEX "Rescue_one_automatic" ON "Rescue"("appointmentId") WHERE "trigger" = 'AUTOMATIC';
