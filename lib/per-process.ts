// One instance per process. Next builds the server, each route and the workers (instrumentation) as separate
// bundles, so a module-level variable can exist several times in one process; the services that must be one
// (MSAL's token cache, a pool, the call runtime, a JWKS cache) are kept here, on globalThis, by name.
import "server-only";

const holder = globalThis as unknown as { consultaPerProcess?: Map<string, unknown> };

const instances = () => (holder.consultaPerProcess ??= new Map<string, unknown>());

/** The process's `name`, made by `make` the first time it is asked for. */
export function perProcess<T>(name: string, make: () => T): T {
  const made = instances();
  if (!made.has(name)) made.set(name, make());
  return made.get(name) as T;
}

/** Puts `instance` in the place of `name` (tests point the app's database client at their own database). */
export function replacePerProcess<T>(name: string, instance: T): void {
  instances().set(name, instance);
}
