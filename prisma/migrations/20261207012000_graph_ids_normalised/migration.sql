-- Graph operation and participant ids are stored in one form, lowercase without dashes, as call ids
-- already are (lib/graph/ids.ts): Graph spells the same id dashed in an action's response and as 32 hex
-- digits in its completion notification.

-- An operation recorded twice (once from the response, once from its notification) keeps the
-- notification's row, which holds the result.
DELETE FROM "CallOperation" AS dashed
WHERE dashed."graphOperationId" LIKE '%-%'
  AND EXISTS (
    SELECT 1 FROM "CallOperation" AS plain
    WHERE plain."graphOperationId" = lower(replace(dashed."graphOperationId", '-', '')));

UPDATE "CallOperation"
SET "graphOperationId" = lower(replace("graphOperationId", '-', ''))
WHERE "graphOperationId" <> lower(replace("graphOperationId", '-', ''));

UPDATE "CallParticipant"
SET "graphParticipantId" = lower(replace("graphParticipantId", '-', ''))
WHERE "graphParticipantId" <> lower(replace("graphParticipantId", '-', ''));

-- the operation a running call flow waits for
UPDATE "Reminder"
SET "flowState" = jsonb_set("flowState", '{waitingFor}', to_jsonb(lower(replace("flowState"->>'waitingFor', '-', ''))))
WHERE "flowState"->>'waitingFor' LIKE '%-%';

UPDATE "ClinicLineFlow"
SET "state" = jsonb_set("state", '{waitingFor}', to_jsonb(lower(replace("state"->>'waitingFor', '-', ''))))
WHERE "state"->>'waitingFor' LIKE '%-%';
