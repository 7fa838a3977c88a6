-- Issue 19: appointment types are managed in the app. A name in each language (the clinic's in "name", English
-- in "nameEn"), and the version an admin's edit started from.
-- AlterTable
ALTER TABLE "AppointmentType" ADD COLUMN     "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "nameEn" TEXT,
ADD COLUMN     "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- The demo clinic's types (prisma/seed.ts) get their English names; others keep one name until an admin adds it.
UPDATE "AppointmentType" SET "nameEn" = CASE slug
  WHEN 'consultation' THEN 'Consultation'
  WHEN 'follow-up' THEN 'Follow-up'
  WHEN 'first-visit' THEN 'First visit'
END
WHERE slug IN ('consultation', 'follow-up', 'first-visit');
