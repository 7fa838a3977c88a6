import { describe, expect, it } from "vitest";
import { distinctKeysLimiter, fixedWindowLimiter, patientLinkLimiter } from "./rate-limit";

describe("fixedWindowLimiter", () => {
  it("allows the limit per window, then refuses with the time left", () => {
    const limiter = fixedWindowLimiter(3, 60_000);
    expect([1, 2, 3].map(() => limiter.take("ip", 1_000).allowed)).toEqual([true, true, true]);
    expect(limiter.take("ip", 31_000)).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(limiter.take("other-ip", 31_000).allowed).toBe(true);
  });
  it("starts a new window once the old one ends", () => {
    const limiter = fixedWindowLimiter(1, 1_000);
    expect(limiter.take("ip", 0).allowed).toBe(true);
    expect(limiter.take("ip", 999).allowed).toBe(false);
    expect(limiter.take("ip", 1_000).allowed).toBe(true);
  });
});

describe("distinctKeysLimiter", () => {
  it("lets a caller come back to the keys it has and refuses new ones past the limit", () => {
    const limiter = distinctKeysLimiter(2, 60_000);
    expect(limiter.take("ip", "a", 0).allowed).toBe(true);
    expect(limiter.take("ip", "b", 0).allowed).toBe(true);
    expect(limiter.take("ip", "c", 10_000)).toEqual({ allowed: false, retryAfterSeconds: 50 });
    expect(limiter.take("ip", "a", 10_000).allowed).toBe(true);
    expect(limiter.take("other", "c", 10_000).allowed).toBe(true);
    expect(limiter.take("ip", "c", 60_000).allowed).toBe(true);
  });
});

describe("patientLinkLimiter", () => {
  const budget = { perLinkPerMinute: 5, perAddressPerMinute: 20, linksPerAddress: 8, linksWindowMs: 600_000 };

  it("does not let patients behind one address lock each other out", () => {
    const limiter = patientLinkLimiter(budget);
    // one patient reloads far too often: their link is refused…
    const reloads = Array.from({ length: 7 }, () => limiter.take("clinic-wifi", "maria", 1_000).allowed);
    expect(reloads).toEqual([true, true, true, true, true, false, false]);
    expect(limiter.take("clinic-wifi", "maria", 1_000)).toMatchObject({ allowed: false, reason: "link" });
    // …and the others on the same Wi-Fi still open theirs
    for (const patient of ["jose", "ana", "lucas"])
      expect(limiter.take("clinic-wifi", patient, 2_000).allowed).toBe(true);
  });

  it("caps an address as a whole, with room for many patients", () => {
    const limiter = patientLinkLimiter(budget);
    const answers = Array.from({ length: 24 }, (_, i) => limiter.take("carrier-nat", `patient-${i % 6}`, 1_000));
    expect(answers.slice(0, 20).every((a) => a.allowed)).toBe(true);
    expect(answers[20]).toMatchObject({ allowed: false, reason: "address" });
  });

  it("refuses an address that tries link after link: that is guessing", () => {
    const limiter = patientLinkLimiter(budget);
    const answers = Array.from({ length: 10 }, (_, i) => limiter.take("guesser", `guess-${i}`, 1_000));
    expect(answers.slice(0, 8).every((a) => a.allowed)).toBe(true);
    expect(answers[8]).toMatchObject({ allowed: false, reason: "guessing", retryAfterSeconds: 600 });
    // the real patient elsewhere is not affected
    expect(limiter.take("home", "guess-9", 1_000).allowed).toBe(true);
  });
});
