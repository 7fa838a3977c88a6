// Builds a Prisma client for a database URL. Kept free of "server-only" so scripts (seed, start, tests)
// can use it; the app imports the shared instance from lib/db/index.ts.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";

export function createPrismaClient(databaseUrl: string, options: { max?: number } = {}): PrismaClient {
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error(
      "DATABASE_URL must be a postgresql:// URL (the start script provides one for the embedded database)",
    );
  }
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: options.max ?? 10 }) });
}
