import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, resolveOptions } from "./config";

const env = (vars: Record<string, string>) => ({ NODE_ENV: "test", ...vars }) as NodeJS.ProcessEnv;

describe("limits (issue item 8)", () => {
  it("default to Microsoft's: 100 concurrent calls, 15 s to answer, keepAlive every 45 min, 20 / 1 prompts", () => {
    expect(DEFAULT_LIMITS).toMatchObject({
      maxConcurrentCalls: 100,
      answerWindowMs: 15_000,
      policyRecordingAnswerWindowMs: 5_000,
      keepAliveTimeoutMs: 45 * 60_000,
      maxPromptsPerPlayPrompt: 20,
      maxPromptsPerRecordResponse: 1,
    });
    expect(resolveOptions({}, env({})).limits).toEqual(DEFAULT_LIMITS);
  });

  it("are configurable through EMULATOR_* variables, and explicit options win", () => {
    const vars = env({ EMULATOR_MAX_CONCURRENT_CALLS: "3", EMULATOR_ANSWER_WINDOW_MS: "5000" });
    expect(resolveOptions({}, vars).limits).toMatchObject({ maxConcurrentCalls: 3, answerWindowMs: 5_000 });
    expect(resolveOptions({ limits: { maxConcurrentCalls: 7 } }, vars).limits.maxConcurrentCalls).toBe(7);
    expect(() => resolveOptions({}, env({ EMULATOR_KEEPALIVE_TIMEOUT_MS: "soon" }))).toThrow(
      "EMULATOR_KEEPALIVE_TIMEOUT_MS must be a non-negative number",
    );
  });
});
