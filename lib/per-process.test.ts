import { describe, expect, it, vi } from "vitest";
import { perProcess, replacePerProcess } from "./per-process";

describe("perProcess", () => {
  it("makes an instance once per name, and a test can put its own in place", () => {
    const make = vi.fn(() => ({ made: true }));
    const first = perProcess("test.once", make);
    expect(perProcess("test.once", make)).toBe(first);
    expect(make).toHaveBeenCalledTimes(1);
    expect(perProcess("test.other", () => 2)).toBe(2);
    const replacement = { made: false };
    replacePerProcess("test.once", replacement);
    expect(perProcess("test.once", make)).toBe(replacement);
  });

  it("is shared by every copy of the module, as separate bundles load it", async () => {
    perProcess("test.shared", () => "from the first copy");
    vi.resetModules();
    const copy = await import("./per-process");
    expect(copy.perProcess("test.shared", () => "from a second copy")).toBe("from the first copy");
  });
});
