-- Session tokens are stored as their SHA-256 (hex), as patient-link tokens are: the cookie keeps the
-- token and the database only its hash (lib/auth/session-store.ts). Existing rows are converted in
-- place, so nobody is signed out by this migration. No column changes: the hash is still text, unique.
UPDATE "Session" SET "sessionToken" = encode(sha256(convert_to("sessionToken", 'UTF8')), 'hex');

-- Deactivating a person (User.active = false) ends every session they hold, whichever code or
-- administrator's statement does it; the session read and sign-in also refuse inactive users.
CREATE FUNCTION user_deactivation_ends_sessions() RETURNS trigger AS $$
BEGIN
  DELETE FROM "Session" WHERE "userId" = NEW.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "User_deactivation_ends_sessions"
  AFTER UPDATE OF "active" ON "User"
  FOR EACH ROW
  WHEN (OLD."active" AND NOT NEW."active")
  EXECUTE FUNCTION user_deactivation_ends_sessions();
