import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PrismaAdapter } from "@auth/prisma-adapter";
import { describe, expect, it } from "vitest";
import { authConfig, SIGN_IN_REFUSED_INACTIVE } from "@/lib/auth/config";
import { hashedSessionMethods, hashSessionToken, sessionAndUser } from "@/lib/auth/session-store";
import { databasePerFile } from "../helpers/per-file";
import { createUser } from "../helpers/factories";

const database = databasePerFile();

const HOUR_MS = 3_600_000;
const newToken = () => crypto.randomBytes(32).toString("hex");

/** A session as Consulta stores it: the row holds the token's hash, the cookie would hold the token. */
async function sessionFor(expires: Date, userId?: string) {
  const { db } = database;
  const user = userId ? await db.user.findUniqueOrThrow({ where: { id: userId } }) : await createUser(db);
  const sessionToken = newToken();
  await db.session.create({ data: { sessionToken: hashSessionToken(sessionToken), userId: user.id, expires } });
  return { user, sessionToken };
}

const sessions = () => hashedSessionMethods(database.db, PrismaAdapter(database.db));

// The one-statement read must answer what the Prisma adapter's two queries answer for the stored row,
// since Auth.js decides expiry and sign-out from it.
describe("session read (Auth.js adapter getSessionAndUser)", () => {
  it("returns the same session and user as the Prisma adapter, with the cookie's token", async () => {
    const { db } = database;
    const { user, sessionToken } = await sessionFor(new Date(Date.now() + HOUR_MS));
    await db.user.update({ where: { id: user.id }, data: { emailVerified: new Date("2030-01-02T03:04:05.678Z") } });
    const ours = await sessionAndUser(db, sessionToken);
    const theirs = await PrismaAdapter(db).getSessionAndUser!(hashSessionToken(sessionToken));
    expect(ours).toEqual({ ...theirs, session: { ...theirs!.session, sessionToken } });
    expect(ours?.user).toMatchObject({ id: user.id, role: "CLINICIAN", email: user.email });
    expect(ours?.session.expires).toBeInstanceOf(Date);
  });

  it("returns an expired session as it is, for Auth.js to delete and refuse", async () => {
    const { db } = database;
    const expires = new Date(Date.now() - 1000);
    const { sessionToken } = await sessionFor(expires);
    const ours = await sessionAndUser(db, sessionToken);
    expect(ours?.session.expires.getTime()).toBe(expires.getTime());
  });

  it("finds nothing for an unknown token or a session that was signed out", async () => {
    const { db } = database;
    const { sessionToken } = await sessionFor(new Date(Date.now() + HOUR_MS));
    expect(await sessionAndUser(db, "no-such-token")).toBeNull();
    await sessions().deleteSession(sessionToken);
    expect(await sessionAndUser(db, sessionToken)).toBeNull();
  });
});

describe("session tokens are stored as hashes", () => {
  it("keeps the token for the cookie and only its SHA-256 in the database", async () => {
    const { db } = database;
    const user = await createUser(db);
    const sessionToken = newToken();
    const created = await sessions().createSession({
      sessionToken,
      userId: user.id,
      expires: new Date(Date.now() + HOUR_MS),
    });
    // Auth.js writes created.sessionToken into the cookie
    expect(created.sessionToken).toBe(sessionToken);
    const rows = await db.session.findMany({ where: { userId: user.id } });
    expect(rows.map((r) => r.sessionToken)).toEqual([crypto.createHash("sha256").update(sessionToken).digest("hex")]);
    expect(JSON.stringify(rows)).not.toContain(sessionToken);
    expect((await sessions().getSessionAndUser(sessionToken))?.user.id).toBe(user.id);
    // what a copy of the database holds does not work as a cookie
    expect(await sessions().getSessionAndUser(rows[0]!.sessionToken)).toBeNull();
  });

  it("extends and deletes a session by the cookie's token", async () => {
    const { db } = database;
    const { user, sessionToken } = await sessionFor(new Date(Date.now() + HOUR_MS));
    const later = new Date(Date.now() + 5 * HOUR_MS);
    const updated = await sessions().updateSession({ sessionToken, expires: later });
    expect(updated?.sessionToken).toBe(sessionToken);
    expect((await db.session.findFirstOrThrow({ where: { userId: user.id } })).expires.getTime()).toBe(later.getTime());
    await sessions().deleteSession(sessionToken);
    expect(await db.session.count({ where: { userId: user.id } })).toBe(0);
    // signing out of a session that is already gone (another tab, a deactivation) is not an error
    await expect(sessions().deleteSession(sessionToken)).resolves.toBeUndefined();
  });

  it("the migration converts existing plain-text sessions, so nobody is signed out", async () => {
    const { db } = database;
    const user = await createUser(db);
    const sessionToken = newToken();
    await db.session.create({ data: { sessionToken, userId: user.id, expires: new Date(Date.now() + HOUR_MS) } });
    const migrations = path.resolve(import.meta.dirname, "../../prisma/migrations");
    const folder = fs.readdirSync(migrations).find((name) => name.endsWith("_session_hashes_and_deactivation"))!;
    const sql = fs.readFileSync(path.join(migrations, folder, "migration.sql"), "utf8");
    const conversion = /^UPDATE "Session"[^;]*;/m.exec(sql)![0];
    // only this user's row: the statement itself converts every row
    await db.$executeRawUnsafe(conversion.replace(/;$/, ` WHERE "userId" = '${user.id}'::uuid`));
    expect((await sessionAndUser(db, sessionToken))?.user.id).toBe(user.id);
  });
});

describe("deactivated users (User.active = false)", () => {
  it("deactivation deletes every session of the user, and only theirs", async () => {
    const { db } = database;
    const { user, sessionToken } = await sessionFor(new Date(Date.now() + HOUR_MS));
    await sessionFor(new Date(Date.now() + HOUR_MS), user.id);
    const bystander = await sessionFor(new Date(Date.now() + HOUR_MS));
    expect(await db.session.count({ where: { userId: user.id } })).toBe(2);
    await db.user.update({ where: { id: user.id }, data: { active: false } });
    expect(await db.session.count({ where: { userId: user.id } })).toBe(0);
    expect(await sessionAndUser(db, sessionToken)).toBeNull();
    expect((await sessionAndUser(db, bystander.sessionToken))?.user.id).toBe(bystander.user.id);
  });

  it("the session read refuses an inactive user even if a session row exists", async () => {
    const { db } = database;
    const user = await createUser(db);
    await db.user.update({ where: { id: user.id }, data: { active: false } });
    const { sessionToken } = await sessionFor(new Date(Date.now() + HOUR_MS), user.id);
    expect(await db.session.count({ where: { userId: user.id } })).toBe(1);
    expect(await sessionAndUser(db, sessionToken)).toBeNull();
  });

  it("sign-in is refused with the landing page's 'account disabled' message", async () => {
    const { db } = database;
    const signIn = authConfig(db).callbacks!.signIn!;
    const account = { provider: "microsoft-entra-id", providerAccountId: "x", type: "oidc" as const };
    const active = await createUser(db, { role: "STAFF" });
    const inactive = await createUser(db, { role: "STAFF" });
    await db.user.update({ where: { id: inactive.id }, data: { active: false } });
    const stored = await db.user.findUniqueOrThrow({ where: { id: inactive.id } });
    // a linked account: Auth.js hands over the user's row
    expect(await signIn({ user: stored, account, profile: { oid: stored.entraObjectId } })).toBe(
      SIGN_IN_REFUSED_INACTIVE,
    );
    // not linked yet (seeded, then deactivated): what Entra says, matched by object id
    const fromEntra = { id: inactive.entraObjectId!, email: inactive.email, name: inactive.name, role: "STAFF" };
    expect(await signIn({ user: fromEntra, account, profile: { oid: inactive.entraObjectId } })).toBe(
      SIGN_IN_REFUSED_INACTIVE,
    );
    expect(await signIn({ user: active, account, profile: { oid: active.entraObjectId } })).toBe(true);
    expect(SIGN_IN_REFUSED_INACTIVE).toBe("/?error=AccountDisabled");
  });
});
