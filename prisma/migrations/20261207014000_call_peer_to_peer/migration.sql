-- A call between the bot and one other party. Graph mutes participants only in group calls and meetings,
-- and a "group call" placed with one person is a peer-to-peer call: staff are not offered mute there.
ALTER TABLE "Call" ADD COLUMN "peerToPeer" BOOLEAN NOT NULL DEFAULT false;

-- reminder calls and the clinic line are always between the bot and one party
UPDATE "Call" SET "peerToPeer" = true WHERE purpose IN ('REMINDER', 'CLINIC_LINE');
