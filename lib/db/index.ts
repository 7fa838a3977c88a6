import "server-only";
import { envVariables } from "@/lib/env";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createPrismaClient } from "./create-client";

// One client per process. Next's dev server re-evaluates modules on reload, so the instance lives on
// globalThis to avoid opening a new pool each time.
const globalForDb = globalThis as unknown as { consultaDb?: PrismaClient };

export function getDb(): PrismaClient {
  if (!globalForDb.consultaDb) {
    const url = envVariables(["DATABASE_URL"]).DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the app with `npm start` or `npm run dev`");
    globalForDb.consultaDb = createPrismaClient(url);
  }
  return globalForDb.consultaDb;
}

// Tests point the app's modules at their own database.
export function setDbForTests(client: PrismaClient): void {
  globalForDb.consultaDb = client;
}

export type { PrismaClient };
export { Prisma } from "@/lib/generated/prisma/client";
