-- Issue 19: patients' birth dates (duplicate warnings compare name and birth date) and the record of merged
-- patients: a merged row is deleted, its id kept here so old links and the audit trail lead to the kept record.
-- AlterTable
ALTER TABLE "Patient" ADD COLUMN     "birthDate" DATE;

-- CreateTable
CREATE TABLE "PatientMerge" (
    "fromPatientId" UUID NOT NULL,
    "intoPatientId" UUID NOT NULL,
    "mergedById" UUID,
    "mergedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PatientMerge_pkey" PRIMARY KEY ("fromPatientId")
);

-- CreateIndex
CREATE INDEX "PatientMerge_intoPatientId_idx" ON "PatientMerge"("intoPatientId");

-- CreateIndex
CREATE INDEX "Patient_birthDate_idx" ON "Patient"("birthDate");

-- AddForeignKey
ALTER TABLE "PatientMerge" ADD CONSTRAINT "PatientMerge_intoPatientId_fkey" FOREIGN KEY ("intoPatientId") REFERENCES "Patient"("id") ON DELETE CASCADE ON UPDATE CASCADE;
