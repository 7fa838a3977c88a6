import { describe, expect, it } from "vitest";
import { invitationDetail, resultReason } from "./result-codes";

describe("Teams result codes in words", () => {
  it("maps the documented codes to reasons", () => {
    expect(resultReason(603, 0)).toBe("declined");
    expect(resultReason(486, 0)).toBe("busy");
    expect(resultReason(408, 10057)).toBe("noAnswer");
    expect(resultReason(408, 8537)).toBe("connectionLost");
    expect(resultReason(480, 10076)).toBe("unreachable");
    expect(resultReason(480, 10199)).toBe("privateCallingOff");
    expect(resultReason(410, 301005)).toBe("mediaFailed");
    expect(resultReason(200, 4097)).toBe("hungUp");
    expect(resultReason(0, 7015)).toBe("transferred");
    expect(resultReason(500, 1005)).toBe("botMediaUnreachable");
    expect(resultReason(499, 1)).toBeNull();
  });

  it("adds to an invitation's outcome only what the outcome does not say", () => {
    // "declined (code 603/0)" becomes just "declined"
    expect(invitationDetail("declined", 603, 0)).toBeNull();
    expect(invitationDetail("busy", 486, 0)).toBeNull();
    expect(invitationDetail("unreachable", 480, 10199)).toEqual({ reason: "privateCallingOff" });
    expect(invitationDetail("failed", 403, 0)).toEqual({ reason: "forbidden" });
    expect(invitationDetail("ringing", null, null)).toBeNull();
    expect(invitationDetail("answered", 200, 0)).toBeNull();
    // a code nobody documented is shown as it came
    expect(invitationDetail("failed", 499, 12)).toEqual({ code: 499, subcode: 12 });
  });
});
