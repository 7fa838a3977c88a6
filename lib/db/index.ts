import "server-only";
import { envVariables } from "@/lib/env";
import { perProcess, replacePerProcess } from "@/lib/per-process";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createPrismaClient } from "./create-client";

// One client per process (lib/per-process.ts): each bundle, and Next's dev server after a reload, shares its pool.
export function getDb(): PrismaClient {
  return perProcess("db", () => {
    const url = envVariables(["DATABASE_URL"]).DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the app with `npm start` or `npm run dev`");
    return createPrismaClient(url);
  });
}

// Tests point the app's modules at their own database.
export function setDbForTests(client: PrismaClient): void {
  replacePerProcess("db", client);
}

export type { PrismaClient };
export { Prisma } from "@/lib/generated/prisma/client";
