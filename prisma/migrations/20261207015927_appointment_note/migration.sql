-- Issue 19: the reason for the visit, or a note for the clinician, written at the booking's review step.
-- AlterTable
ALTER TABLE "Appointment" ADD COLUMN     "note" TEXT;
