// Issue 23: instances starting together on a new database (a deployment's web instances and workers) all
// declare the job queues. pg-boss's createQueue deadlocked between two of them (one instance never became
// healthy); lib/jobs/boss.ts declares them one instance at a time. Two queue clients in this process stand for
// two instances (the process-wide one is set aside in between).
import { expect, it } from "vitest";
import { getBoss } from "@/lib/jobs/boss";
import { databasePerFile } from "../helpers/per-file";

const database = databasePerFile();

it("two instances starting at once on a new database both declare every queue", async () => {
  const shared = globalThis as unknown as { consultaBoss?: unknown };
  const first = getBoss(database.url);
  shared.consultaBoss = undefined;
  const second = getBoss(database.url);
  shared.consultaBoss = undefined;
  const bosses = await Promise.all([first, second]);
  try {
    expect(bosses[0]).not.toBe(bosses[1]);
    const names = (await bosses[0].getQueues()).map((q) => q.name);
    expect(names).toContain("reminder-dispatch");
  } finally {
    await Promise.all(bosses.map((boss) => boss.stop({ graceful: false, close: true })));
  }
});
