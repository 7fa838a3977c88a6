-- CreateEnum
CREATE TYPE "ClinicLineRuleKind" AS ENUM ('BLOCK', 'REDIRECT');

-- CreateTable
CREATE TABLE "ClinicLineRule" (
    "id" UUID NOT NULL,
    "kind" "ClinicLineRuleKind" NOT NULL,
    "callerPattern" TEXT NOT NULL DEFAULT '*',
    "weekdays" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "startMinute" INTEGER,
    "endMinute" INTEGER,
    "redirectTarget" TEXT,
    "priority" INTEGER NOT NULL DEFAULT 100,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "label" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ClinicLineRule_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ClinicLineRule_active_priority_idx" ON "ClinicLineRule"("active", "priority");
