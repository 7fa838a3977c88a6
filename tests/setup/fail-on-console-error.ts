import { afterEach, beforeEach, vi } from "vitest";

// Noise is fatal: an unexpected console.error means something went wrong that no assertion caught.
// A test that expects one spies on console.error itself (vi.spyOn) before the call.
let unexpected: unknown[][] = [];
beforeEach(() => {
  unexpected = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    unexpected.push(args);
  });
});
afterEach(() => {
  const calls = unexpected;
  vi.restoreAllMocks();
  if (calls.length > 0) {
    throw new Error(`unexpected console.error: ${calls.map((c) => c.map(String).join(" ")).join("\n")}`);
  }
});
