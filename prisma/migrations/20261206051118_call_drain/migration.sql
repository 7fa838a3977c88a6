-- AlterTable
ALTER TABLE "InboundNotification" ADD COLUMN     "payload" JSONB,
ADD COLUMN     "sequence" BIGSERIAL NOT NULL;

-- CreateTable
CREATE TABLE "CallDrainLease" (
    "graphCallId" TEXT NOT NULL,
    "holder" UUID NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CallDrainLease_pkey" PRIMARY KEY ("graphCallId")
);

-- CreateIndex
CREATE INDEX "InboundNotification_graphCallId_sequence_idx" ON "InboundNotification"("graphCallId", "sequence");
