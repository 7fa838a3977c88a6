-- CreateTable
CREATE TABLE "ClinicLineFlow" (
    "callId" UUID NOT NULL,
    "graphCallId" TEXT NOT NULL,
    "state" JSONB NOT NULL,
    "locale" TEXT NOT NULL,
    "speechLanguage" TEXT NOT NULL,
    "patientId" UUID,
    "leaseHolder" TEXT,
    "leaseUntil" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ClinicLineFlow_pkey" PRIMARY KEY ("callId")
);

-- CreateIndex
CREATE UNIQUE INDEX "ClinicLineFlow_graphCallId_key" ON "ClinicLineFlow"("graphCallId");

-- CreateIndex
CREATE INDEX "ClinicLineFlow_updatedAt_idx" ON "ClinicLineFlow"("updatedAt");

-- CreateIndex
CREATE INDEX "ClinicLineFlow_patientId_idx" ON "ClinicLineFlow"("patientId");

-- AddForeignKey
ALTER TABLE "ClinicLineFlow" ADD CONSTRAINT "ClinicLineFlow_callId_fkey" FOREIGN KEY ("callId") REFERENCES "Call"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClinicLineFlow" ADD CONSTRAINT "ClinicLineFlow_patientId_fkey" FOREIGN KEY ("patientId") REFERENCES "Patient"("id") ON DELETE SET NULL ON UPDATE CASCADE;
