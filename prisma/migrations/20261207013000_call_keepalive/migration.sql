-- The last keepAlive Graph accepted for a call: the bot sends one every 15 minutes to every live call it
-- holds, since Graph ends a call that has had none for 45 minutes (lib/bot/keepalive.ts).
ALTER TABLE "Call" ADD COLUMN "keepAliveAt" TIMESTAMPTZ(3);
