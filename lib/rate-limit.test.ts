import { describe, expect, it } from "vitest";
import { fixedWindowLimiter } from "./rate-limit";

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
