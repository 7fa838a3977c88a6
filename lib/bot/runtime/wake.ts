// Domain code that writes a call's row (a placed reminder call, a meeting the bot joined) wakes the runtime
// for it in the same transaction: notifications that came before the row was committed are then applied as
// soon as it is, instead of at the next poll. Delivered when the transaction commits.
import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import { CALLS_CHANNEL } from "./sql";

export async function wakeCall(tx: Pick<Prisma.TransactionClient, "$queryRaw">, graphCallId: string): Promise<void> {
  await tx.$queryRaw`SELECT pg_notify(${CALLS_CHANNEL}, ${graphCallId})::text AS woken`;
}
