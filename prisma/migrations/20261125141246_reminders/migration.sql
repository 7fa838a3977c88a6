-- CreateEnum
CREATE TYPE "ReminderStatus" AS ENUM ('SCHEDULED', 'CALLING', 'DONE', 'SKIPPED');

-- CreateEnum
CREATE TYPE "ReminderOutcome" AS ENUM ('CONFIRMED', 'CANCELLED', 'TRANSFERRED', 'NO_ANSWER', 'NO_RESPONSE', 'FAILED');

-- CreateTable
CREATE TABLE "Reminder" (
    "id" UUID NOT NULL,
    "appointmentId" UUID NOT NULL,
    "appointmentVersion" INTEGER NOT NULL,
    "status" "ReminderStatus" NOT NULL DEFAULT 'SCHEDULED',
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "callId" UUID,
    "graphCallId" TEXT,
    "flowState" JSONB,
    "outcome" "ReminderOutcome",
    "detail" TEXT,
    "claimedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "requestedById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Reminder_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Reminder_callId_key" ON "Reminder"("callId");

-- CreateIndex
CREATE UNIQUE INDEX "Reminder_graphCallId_key" ON "Reminder"("graphCallId");

-- CreateIndex
CREATE INDEX "Reminder_status_dueAt_idx" ON "Reminder"("status", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "Reminder_appointmentId_appointmentVersion_key" ON "Reminder"("appointmentId", "appointmentVersion");

-- AddForeignKey
ALTER TABLE "Reminder" ADD CONSTRAINT "Reminder_appointmentId_fkey" FOREIGN KEY ("appointmentId") REFERENCES "Appointment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
