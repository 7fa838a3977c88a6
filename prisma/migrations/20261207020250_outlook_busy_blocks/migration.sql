-- AlterTable
ALTER TABLE "OutlookBusy" ADD COLUMN     "blocks" BOOLEAN NOT NULL DEFAULT true;

-- An appointment never lands on a time the clinician is busy in Outlook (a blocking OutlookBusy row we
-- have heard of): checked in the booking's or the move's own statement, next to Appointment_no_overlap, and
-- reported the same way (SQLSTATE 23P01), so the app answers it as a taken slot with the nearest free times.
-- Only a live appointment whose blocked span is new or changed is checked: confirming or cancelling one that
-- an Outlook event later overlapped still works.
CREATE FUNCTION appointment_outlook_busy_check() RETURNS trigger AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM "OutlookBusy" b
    WHERE b."clinicianId" = NEW."clinicianId" AND b."blocks"
      AND b."startsAt" < NEW."blockedUntil" AND b."endsAt" > NEW."blockedFrom"
  ) THEN
    RAISE EXCEPTION 'the time is busy in the clinician''s Outlook calendar'
      USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'Appointment_outlook_busy';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "Appointment_outlook_busy_insert"
  BEFORE INSERT ON "Appointment"
  FOR EACH ROW
  WHEN (NEW."status" IN ('BOOKED', 'CONFIRMED'))
  EXECUTE FUNCTION appointment_outlook_busy_check();

CREATE TRIGGER "Appointment_outlook_busy_update"
  BEFORE UPDATE OF "blockedFrom", "blockedUntil", "status" ON "Appointment"
  FOR EACH ROW
  WHEN (NEW."status" IN ('BOOKED', 'CONFIRMED') AND (
    OLD."status" NOT IN ('BOOKED', 'CONFIRMED')
    OR NEW."blockedFrom" IS DISTINCT FROM OLD."blockedFrom"
    OR NEW."blockedUntil" IS DISTINCT FROM OLD."blockedUntil"))
  EXECUTE FUNCTION appointment_outlook_busy_check();
