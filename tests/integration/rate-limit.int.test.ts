// Issue 23 item 1: the patient-link budgets kept in PostgreSQL. Two limiters on pools of their own stand for
// two web instances: whatever one spends, the other sees.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patientLinkLimiter, postgresStore, signInLimiter } from "@/lib/rate-limit";
import { databasePerFile } from "../helpers/per-file";

const database = databasePerFile();
let pools: pg.Pool[];

beforeAll(async () => {
  pools = [
    new pg.Pool({ connectionString: database.url, max: 2 }),
    new pg.Pool({ connectionString: database.url, max: 2 }),
  ];
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
});

const budget = { perLinkPerMinute: 5, perAddressPerMinute: 40, linksPerAddress: 6, linksWindowMs: 600_000 };

describe("patient-link budgets in PostgreSQL", () => {
  it("counts one link's requests across both instances", async () => {
    const [a, b] = pools.map((pool) => patientLinkLimiter(postgresStore(pool), budget));
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await (i % 2 ? b! : a!).take("wifi", "maria-link"));
    expect(answers.map((x) => x.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(answers[5]).toMatchObject({ reason: "link" });
    expect((answers[5] as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
  });

  it("caps the different links one address tries, whichever instance it asks, and a link seen costs nothing", async () => {
    const [a, b] = pools.map((pool) => patientLinkLimiter(postgresStore(pool), budget));
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await (i % 2 ? b! : a!).take("guesser", `guess-${i}`));
    expect(answers.every((x) => x.allowed)).toBe(true);
    // opening one already tried again, on the other instance, is still allowed
    expect(await b!.take("guesser", "guess-0")).toEqual({ allowed: true });
    expect(await a!.take("guesser", "guess-6")).toMatchObject({ allowed: false, reason: "guessing" });
    expect(await b!.take("guesser", "guess-7")).toMatchObject({ allowed: false, reason: "guessing" });
    // another address is not affected
    expect(await b!.take("home", "guess-7")).toEqual({ allowed: true });
  });

  it("keeps the counts in the shared table", async () => {
    const rows = await database.db.rateLimit.findMany({ where: { key: { startsWith: "patient-link:" } } });
    expect(rows.map((r) => r.key).sort()).toContain("patient-link:maria-link");
    expect(rows.find((r) => r.key === "patient-link:maria-link")?.points).toBe(7);
  });

  it("counts sign-in attempts per address across both instances", async () => {
    const [a, b] = pools.map((pool) => signInLimiter(postgresStore(pool), 3));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await (i % 2 ? b! : a!).take("10.0.0.9")).allowed);
    expect(answers).toEqual([true, true, true, false]);
  });
});
