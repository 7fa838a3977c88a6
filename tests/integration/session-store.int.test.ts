import crypto from "node:crypto";
import { PrismaAdapter } from "@auth/prisma-adapter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionAndUser } from "@/lib/auth/session-store";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { createUser } from "../helpers/factories";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const HOUR_MS = 3_600_000;

async function sessionFor(expires: Date) {
  const { db } = database;
  const user = await createUser(db, { role: "CLINICIAN" });
  const sessionToken = crypto.randomBytes(32).toString("hex");
  await db.session.create({ data: { sessionToken, userId: user.id, expires } });
  return { user, sessionToken };
}

// The one-statement read must answer exactly what the Prisma adapter's two queries answer, since Auth.js
// decides expiry and sign-out from it.
describe("session read (Auth.js adapter getSessionAndUser)", () => {
  it("returns the same session and user as the Prisma adapter", async () => {
    const { db } = database;
    const { user, sessionToken } = await sessionFor(new Date(Date.now() + HOUR_MS));
    await db.user.update({ where: { id: user.id }, data: { emailVerified: new Date("2030-01-02T03:04:05.678Z") } });
    const ours = await sessionAndUser(db, sessionToken);
    expect(ours).toEqual(await PrismaAdapter(db).getSessionAndUser!(sessionToken));
    expect(ours?.user).toMatchObject({ id: user.id, role: "CLINICIAN", email: user.email });
    expect(ours?.session.expires).toBeInstanceOf(Date);
  });

  it("returns an expired session as it is, for Auth.js to delete and refuse", async () => {
    const { db } = database;
    const expires = new Date(Date.now() - 1000);
    const { sessionToken } = await sessionFor(expires);
    const ours = await sessionAndUser(db, sessionToken);
    expect(ours?.session.expires.getTime()).toBe(expires.getTime());
    expect(ours).toEqual(await PrismaAdapter(db).getSessionAndUser!(sessionToken));
  });

  it("finds nothing for an unknown token or a session that was signed out", async () => {
    const { db } = database;
    const { sessionToken } = await sessionFor(new Date(Date.now() + HOUR_MS));
    expect(await sessionAndUser(db, "no-such-token")).toBeNull();
    await PrismaAdapter(db).deleteSession!(sessionToken);
    expect(await sessionAndUser(db, sessionToken)).toBeNull();
  });
});
