// The web process checks its configuration before it takes a request (instrumentation.ts), as the worker
// process does (scripts/worker.ts): a missing or malformed variable — a shared secret, the server-action key,
// the proxy hops — stops it with lib/env.ts's message naming the variable, instead of failing later on a
// request (or, with several instances, on only some of them).
import "server-only";
import { serverEnv } from "@/lib/env";

export function exitOnInvalidConfiguration(): void {
  try {
    serverEnv();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
