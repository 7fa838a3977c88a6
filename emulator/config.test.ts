import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, resolveOptions } from "./config";

describe("limits (issue item 8)", () => {
  it("default to Microsoft's: 100 concurrent calls, 15 s to answer, keepAlive every 45 min, 20 / 1 prompts", () => {
    expect(DEFAULT_LIMITS).toMatchObject({
      maxConcurrentCalls: 100,
      answerWindowMs: 15_000,
      keepAliveTimeoutMs: 45 * 60_000,
      maxPromptsPerPlayPrompt: 20,
      maxPromptsPerRecordResponse: 1,
    });
    expect(resolveOptions({}, {}).limits).toEqual(DEFAULT_LIMITS);
  });

  it("are configurable through EMULATOR_* variables, and explicit options win", () => {
    const env = { EMULATOR_MAX_CONCURRENT_CALLS: "3", EMULATOR_ANSWER_WINDOW_MS: "5000" };
    expect(resolveOptions({}, env).limits).toMatchObject({ maxConcurrentCalls: 3, answerWindowMs: 5_000 });
    expect(resolveOptions({ limits: { maxConcurrentCalls: 7 } }, env).limits.maxConcurrentCalls).toBe(7);
    expect(() => resolveOptions({}, { EMULATOR_KEEPALIVE_TIMEOUT_MS: "soon" })).toThrow(
      "EMULATOR_KEEPALIVE_TIMEOUT_MS must be a non-negative number",
    );
  });
});
