-- The call runtime (issue 16, docs/decisions/004-locks-after-pglite.md): one way to hold a call (a lease on
-- the Call row, on the database clock), the flow's document on the call, the notification table as the queue.

-- AlterTable
ALTER TABLE "Call" ADD COLUMN     "flow" JSONB,
ADD COLUMN     "flowAt" TIMESTAMPTZ(3),
ADD COLUMN     "heldBy" UUID,
ADD COLUMN     "heldUntil" TIMESTAMPTZ(3);

-- Calls in progress keep their position: the clinic line's IVR (its state, languages and patient) and the
-- reminder's flow (with what its actions need) move onto the call.
UPDATE "Call" c
SET flow = f.state || jsonb_build_object('locale', f.locale, 'speechLanguage', f."speechLanguage", 'patientId', f."patientId"),
    "flowAt" = f."updatedAt"
FROM "ClinicLineFlow" f
WHERE f."callId" = c.id;

UPDATE "Call" c
SET flow = jsonb_build_object(
      'state', r."flowState",
      'reminderId', r.id,
      'attempt', r.attempts,
      'locale', CASE WHEN lower(p.locale) LIKE 'en%' THEN 'en' ELSE 'pt-BR' END),
    "flowAt" = r."updatedAt"
FROM "Reminder" r
JOIN "Appointment" a ON a.id = r."appointmentId"
JOIN "Patient" p ON p.id = a."patientId"
WHERE r."callId" = c.id AND r.status = 'CALLING' AND r."flowState" IS NOT NULL AND r.attempts > 0;

-- Rows recorded before payloads were kept were applied from their jobs, which the runtime does not read:
-- nothing is left that could apply them.
UPDATE "InboundNotification" SET "processedAt" = now() WHERE "processedAt" IS NULL AND payload IS NULL;

-- DropForeignKey
ALTER TABLE "ClinicLineFlow" DROP CONSTRAINT "ClinicLineFlow_callId_fkey";

-- DropForeignKey
ALTER TABLE "ClinicLineFlow" DROP CONSTRAINT "ClinicLineFlow_patientId_fkey";

-- DropIndex
DROP INDEX "InboundNotification_graphCallId_sequence_idx";

-- AlterTable
ALTER TABLE "Reminder" DROP COLUMN "flowState";

-- DropTable
DROP TABLE "CallDrainLease";

-- DropTable
DROP TABLE "ClinicLineFlow";

-- CreateIndex
CREATE INDEX "Call_flowAt_idx" ON "Call"("flowAt");

-- CreateIndex
CREATE INDEX "InboundNotification_pending_idx" ON "InboundNotification"("graphCallId", "sequence") WHERE ("processedAt" IS NULL);
