-- CreateEnum
CREATE TYPE "ContactPreference" AS ENUM ('BOTH', 'EMAIL', 'SMS', 'NONE');

-- CreateEnum
CREATE TYPE "MessageChannel" AS ENUM ('EMAIL', 'SMS');

-- CreateEnum
CREATE TYPE "MessageTemplate" AS ENUM ('BOOKED', 'RESCHEDULED', 'CANCELLED', 'REMINDER');

-- CreateEnum
CREATE TYPE "MessageState" AS ENUM ('QUEUED', 'SENDING', 'SENT', 'DELIVERED', 'FAILED', 'SKIPPED');

-- AlterTable
ALTER TABLE "Appointment" ADD COLUMN     "joinTokenSealed" TEXT,
ADD COLUMN     "previousStartsAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "Patient" ADD COLUMN     "contactPreference" "ContactPreference" NOT NULL DEFAULT 'BOTH',
ADD COLUMN     "messageConsentAt" TIMESTAMPTZ(3),
ADD COLUMN     "smsOptedOutAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "PatientMessage" (
    "id" UUID NOT NULL,
    "appointmentId" UUID NOT NULL,
    "appointmentVersion" INTEGER NOT NULL,
    "template" "MessageTemplate" NOT NULL,
    "channel" "MessageChannel" NOT NULL,
    "copy" INTEGER NOT NULL DEFAULT 0,
    "state" "MessageState" NOT NULL DEFAULT 'QUEUED',
    "detail" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3),
    "providerMessageId" TEXT,
    "requestedById" UUID,
    "queuedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedAt" TIMESTAMPTZ(3),
    "sentAt" TIMESTAMPTZ(3),
    "deliveredAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PatientMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PatientMessage_providerMessageId_key" ON "PatientMessage"("providerMessageId");

-- CreateIndex
CREATE INDEX "PatientMessage_state_nextAttemptAt_idx" ON "PatientMessage"("state", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "PatientMessage_appointmentId_queuedAt_idx" ON "PatientMessage"("appointmentId", "queuedAt");

-- CreateIndex
CREATE UNIQUE INDEX "PatientMessage_appointmentId_appointmentVersion_template_ch_key" ON "PatientMessage"("appointmentId", "appointmentVersion", "template", "channel", "copy");

-- AddForeignKey
ALTER TABLE "PatientMessage" ADD CONSTRAINT "PatientMessage_appointmentId_fkey" FOREIGN KEY ("appointmentId") REFERENCES "Appointment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
