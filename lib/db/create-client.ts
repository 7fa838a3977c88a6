// Builds a Prisma client for a database URL, for the seed, the benchmarks and the tests (the seed and the
// benchmarks run with --conditions=react-server); the app imports the shared instance from lib/db/index.ts.
import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";

export function createPrismaClient(databaseUrl: string, options: { max?: number } = {}): PrismaClient {
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error(
      "DATABASE_URL must be a postgresql:// URL (the start script provides one for the embedded database)",
    );
  }
  // Prisma's pg adapter writes a DateTime as UTC wall time without an offset and reads one ignoring the offset
  // PostgreSQL gives: right only in a UTC session. The server's default TimeZone may be anything (an embedded
  // server takes the zone of whoever started it), so the session says UTC itself; otherwise what Prisma wrote
  // disagrees with now() and with every other client (pg-boss, the call runtime's SQL).
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: options.max ?? 10, options: "-c TimeZone=UTC" }),
  });
}
