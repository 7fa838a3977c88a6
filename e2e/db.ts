// Read-only access to the e2e run's embedded database: scripts/start.ts writes its URL to
// <data dir>/embedded-db.json while it runs. Tests use it to find ids and to count rows, never to write.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { e2eDataDir } from "../playwright.config";

export async function withDb<T>(run: (db: pg.Client) => Promise<T>): Promise<T> {
  const { url } = JSON.parse(fs.readFileSync(path.join(e2eDataDir, "embedded-db.json"), "utf8")) as { url: string };
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return await run(db);
  } finally {
    await db.end();
  }
}

// Rows a person's request could write. Work that runs on its own is left out: the job queue's meeting
// sync (meetings and their audit rows), reminder calls and the clinic line (calls the bot places or
// answers), and the notifications Microsoft sends about them.
const personal = `"actorId" is not null and "entityType" <> 'OnlineMeeting' and action not like 'graph.meeting.%'`;
const staffCalls = `purpose in ('MEETING_JOIN', 'GROUP_CALL')`;
const counted = {
  Appointment: `select count(*) as n from "Appointment"`,
  Patient: `select count(*) as n from "Patient"`,
  IdempotencyRecord: `select count(*) as n from "IdempotencyRecord"`,
  Call: `select count(*) as n from "Call" where ${staffCalls}`,
  CallOperation: `select count(*) as n from "CallOperation" o join "Call" c on c.id = o."callId" where c.${staffCalls}`,
  AuditLog: `select count(*) as n from "AuditLog" where ${personal}`,
  ClinicLineRule: `select count(*) as n from "ClinicLineRule"`,
  PromptText: `select count(*) as n from "PromptText"`,
};

export async function rowCounts(): Promise<Record<string, number>> {
  return withDb(async (db) => {
    const counts: Record<string, number> = {};
    for (const [table, sql] of Object.entries(counted)) {
      const { rows } = await db.query<{ n: string }>(sql);
      counts[table] = Number(rows[0]!.n);
    }
    return counts;
  });
}
