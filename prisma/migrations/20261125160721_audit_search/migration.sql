-- DropIndex
DROP INDEX "AuditLog_at_idx";

-- CreateIndex
CREATE INDEX "AuditLog_at_id_idx" ON "AuditLog"("at", "id");

-- CreateIndex
CREATE INDEX "AuditLog_entityId_at_idx" ON "AuditLog"("entityId", "at");

-- CreateIndex
CREATE INDEX "AuditLog_action_at_idx" ON "AuditLog"("action", "at");
