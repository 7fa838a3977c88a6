import { describe, expect, it } from "vitest";
import { clientAddressFrom } from "./client-address";

describe("clientAddressFrom", () => {
  it("takes the address our own proxy appended, not the caller's claim", () => {
    expect(clientAddressFrom("6.6.6.6, 203.0.113.7")).toBe("203.0.113.7");
    expect(clientAddressFrom("203.0.113.7")).toBe("203.0.113.7");
  });
  it("has no address when there is no header", () => {
    expect(clientAddressFrom(null)).toBeNull();
    expect(clientAddressFrom(" , ")).toBeNull();
  });
});
