-- CreateEnum
CREATE TYPE "CalendarEventState" AS ENUM ('PENDING', 'READY', 'FAILED', 'DELETED');

-- CreateEnum
CREATE TYPE "OutlookSyncStatus" AS ENUM ('PENDING', 'OK', 'ACCESS_DENIED', 'FAILING');

-- CreateTable
CREATE TABLE "CalendarEvent" (
    "appointmentId" UUID NOT NULL,
    "clinicianId" UUID NOT NULL,
    "state" "CalendarEventState" NOT NULL DEFAULT 'PENDING',
    "graphEventId" TEXT,
    "startsAt" TIMESTAMPTZ(3),
    "endsAt" TIMESTAMPTZ(3),
    "failureReason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CalendarEvent_pkey" PRIMARY KEY ("appointmentId")
);

-- CreateTable
CREATE TABLE "OutlookBusy" (
    "clinicianId" UUID NOT NULL,
    "graphEventId" TEXT NOT NULL,
    "startsAt" TIMESTAMPTZ(3) NOT NULL,
    "endsAt" TIMESTAMPTZ(3) NOT NULL,
    "showAs" TEXT NOT NULL,
    "subject" TEXT,
    "seenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OutlookBusy_pkey" PRIMARY KEY ("clinicianId","graphEventId")
);

-- CreateTable
CREATE TABLE "OutlookSync" (
    "clinicianId" UUID NOT NULL,
    "status" "OutlookSyncStatus" NOT NULL DEFAULT 'PENDING',
    "statusDetail" TEXT,
    "windowStart" TIMESTAMPTZ(3) NOT NULL,
    "windowEnd" TIMESTAMPTZ(3) NOT NULL,
    "deltaLink" TEXT,
    "nextLink" TEXT,
    "roundStartedAt" TIMESTAMPTZ(3),
    "fullRound" BOOLEAN NOT NULL DEFAULT true,
    "lastSyncedAt" TIMESTAMPTZ(3),
    "subscriptionId" TEXT,
    "subscriptionExpiresAt" TIMESTAMPTZ(3),
    "clientStateHash" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "OutlookSync_pkey" PRIMARY KEY ("clinicianId")
);

-- CreateIndex
CREATE INDEX "CalendarEvent_clinicianId_graphEventId_idx" ON "CalendarEvent"("clinicianId", "graphEventId");

-- CreateIndex
CREATE INDEX "OutlookBusy_clinicianId_startsAt_endsAt_idx" ON "OutlookBusy"("clinicianId", "startsAt", "endsAt");

-- CreateIndex
CREATE UNIQUE INDEX "OutlookSync_subscriptionId_key" ON "OutlookSync"("subscriptionId");

-- AddForeignKey
ALTER TABLE "CalendarEvent" ADD CONSTRAINT "CalendarEvent_appointmentId_fkey" FOREIGN KEY ("appointmentId") REFERENCES "Appointment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutlookBusy" ADD CONSTRAINT "OutlookBusy_clinicianId_fkey" FOREIGN KEY ("clinicianId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutlookSync" ADD CONSTRAINT "OutlookSync_clinicianId_fkey" FOREIGN KEY ("clinicianId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
