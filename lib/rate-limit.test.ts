// The rules, on the library's in-memory store (the PostgreSQL store, shared by two instances, is
// tests/integration/rate-limit.int.test.ts). The clock is Vitest's, so windows end when the test says.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { distinctKeysLimiter, fixedWindowLimiter, memoryStore, patientLinkLimiter } from "./rate-limit";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-03-02T12:00:00Z"));
});
afterEach(() => vi.useRealTimers());

const allowed = async (answer: Promise<{ allowed: boolean }>) => (await answer).allowed;

describe("fixedWindowLimiter", () => {
  it("allows the limit per window, then refuses with the time left", async () => {
    const limiter = fixedWindowLimiter(memoryStore, "t", 3, 60_000);
    for (let i = 0; i < 3; i++) expect(await allowed(limiter.take("ip"))).toBe(true);
    vi.advanceTimersByTime(30_000);
    expect(await limiter.take("ip")).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(await allowed(limiter.take("other-ip"))).toBe(true);
  });
  it("starts a new window once the old one ends", async () => {
    const limiter = fixedWindowLimiter(memoryStore, "t", 1, 1_000);
    expect(await allowed(limiter.take("ip"))).toBe(true);
    vi.advanceTimersByTime(999);
    expect(await allowed(limiter.take("ip"))).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await allowed(limiter.take("ip"))).toBe(true);
  });
});

describe("distinctKeysLimiter", () => {
  it("lets a caller come back to the keys it has and refuses new ones past the limit", async () => {
    const limiter = distinctKeysLimiter(memoryStore, "t", 2, 60_000);
    expect(await allowed(limiter.take("ip", "a"))).toBe(true);
    expect(await allowed(limiter.take("ip", "b"))).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(await limiter.take("ip", "c")).toEqual({ allowed: false, retryAfterSeconds: 50 });
    expect(await allowed(limiter.take("ip", "a"))).toBe(true);
    expect(await allowed(limiter.take("other", "c"))).toBe(true);
    vi.advanceTimersByTime(50_000);
    expect(await allowed(limiter.take("ip", "c"))).toBe(true);
  });
});

describe("patientLinkLimiter", () => {
  const budget = { perLinkPerMinute: 5, perAddressPerMinute: 20, linksPerAddress: 8, linksWindowMs: 600_000 };

  it("does not let patients behind one address lock each other out", async () => {
    const limiter = patientLinkLimiter(memoryStore, budget);
    // one patient reloads far too often: their link is refused…
    const reloads: boolean[] = [];
    for (let i = 0; i < 7; i++) reloads.push(await allowed(limiter.take("clinic-wifi", "maria")));
    expect(reloads).toEqual([true, true, true, true, true, false, false]);
    expect(await limiter.take("clinic-wifi", "maria")).toMatchObject({ allowed: false, reason: "link" });
    // …and the others on the same Wi-Fi still open theirs
    for (const patient of ["jose", "ana", "lucas"])
      expect(await allowed(limiter.take("clinic-wifi", patient))).toBe(true);
  });

  it("caps an address as a whole, with room for many patients", async () => {
    const limiter = patientLinkLimiter(memoryStore, budget);
    const answers = [];
    for (let i = 0; i < 24; i++) answers.push(await limiter.take("carrier-nat", `patient-${i % 6}`));
    expect(answers.slice(0, 20).every((a) => a.allowed)).toBe(true);
    expect(answers[20]).toMatchObject({ allowed: false, reason: "address" });
  });

  it("refuses an address that tries link after link: that is guessing", async () => {
    const limiter = patientLinkLimiter(memoryStore, budget);
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await limiter.take("guesser", `guess-${i}`));
    expect(answers.slice(0, 8).every((a) => a.allowed)).toBe(true);
    expect(answers[8]).toMatchObject({ allowed: false, reason: "guessing", retryAfterSeconds: 600 });
    // a refused link is not remembered as tried: it stays refused
    expect(await limiter.take("guesser", "guess-8")).toMatchObject({ allowed: false, reason: "guessing" });
    // the real patient elsewhere is not affected
    expect(await allowed(limiter.take("home", "guess-9"))).toBe(true);
    // ten minutes on, the guesser's window is over
    vi.advanceTimersByTime(600_000);
    expect(await allowed(limiter.take("guesser", "guess-9"))).toBe(true);
  });
});
