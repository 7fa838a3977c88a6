import { describe, expect, it } from "vitest";
import { E164, maskPhone } from "./constants";

describe("maskPhone", () => {
  it("shows the last four digits behind four dots, whatever the number's length or spelling", () => {
    expect(maskPhone("+5511987654321")).toBe("•••• 4321");
    expect(maskPhone("+14155552671")).toBe("•••• 2671");
    expect(maskPhone("+1 (415) 555-2671")).toBe("•••• 2671");
    // the mask of a short and a long number look alike: the length is not told
    expect(maskPhone("+3512101")).toHaveLength(maskPhone("+551198765432101").length);
    expect(E164.test("+5511987654321")).toBe(true);
  });
});
