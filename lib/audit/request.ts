import "server-only";
import { headers } from "next/headers";
import { clientAddressFrom } from "@/lib/http/client-address";

/**
 * The client address of the request being served, for audit rows written without a session (the
 * patient's link). The same rule as the signed-in viewer's: the entry our own proxy appended.
 */
export async function requestClientAddress(): Promise<string | null> {
  return clientAddressFrom((await headers()).get("x-forwarded-for"));
}
