// X-Forwarded-For reads "client, proxy 1, proxy 2": each proxy appends the address it was called from,
// and everything left of what our own proxies wrote is the caller's to choose. So the client is the
// entry TRUSTED_PROXY_HOPS from the right (default 1: the proxy in front of the app; without one, Next
// fills the header from the socket). Taking the first entry would let anyone claim any address.
import "server-only";
import { envVariables } from "@/lib/env";

export function clientAddressFrom(forwardedFor: string | null | undefined): string | null {
  const trustedHops = envVariables(["TRUSTED_PROXY_HOPS"]).TRUSTED_PROXY_HOPS;
  const chain = (forwardedFor ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  return chain[Math.max(0, chain.length - trustedHops)] ?? null;
}
