import { describe, expect, it } from "vitest";
import { FaultInjector, faultRuleSchema } from "./faults";

function throttling(clock: { now: number }, retryAfterSeconds = 2) {
  const faults = new FaultInjector(() => clock.now);
  faults.add(
    faultRuleSchema.parse({
      method: "POST",
      path: "/v1.0/communications/calls",
      count: 0,
      action: { type: "throttle", retryAfterSeconds },
    }),
  );
  /** One request as the server sees it: observed, then throttled if a rule says so. */
  const send = (clientRequestId: string | undefined) => {
    faults.observe(clientRequestId);
    const rule = faults.take("request", "POST", "/v1.0/communications/calls");
    if (rule?.action.type === "throttle") faults.throttled(rule, clientRequestId);
    return rule;
  };
  return { faults, send, retries: () => faults.list()[0]!.retries };
}

describe("retries of throttled requests", () => {
  it("counts a retry with the same client-request-id after the Retry-After as honoured, a sooner one as early", () => {
    const clock = { now: 1_000 };
    const { send, retries } = throttling(clock);
    expect(retries()).toEqual({ honoured: 0, early: 0, shortestWaitMs: null });

    send("a");
    clock.now += 2_000;
    send("a");
    expect(retries()).toEqual({ honoured: 1, early: 0, shortestWaitMs: 2_000 });

    send("b");
    clock.now += 300;
    send("b");
    expect(retries()).toEqual({ honoured: 1, early: 1, shortestWaitMs: 300 });
  });

  it("follows each throttled request by its own id, and again when its retry is throttled too", () => {
    const clock = { now: 0 };
    const { send, retries } = throttling(clock, 1);
    send("c");
    clock.now += 10;
    send("other"); // another request, not a retry of "c"
    send(undefined); // sent without the header: not followed
    clock.now += 10;
    send("other"); // retried 10 ms after its 429
    expect(retries()).toEqual({ honoured: 0, early: 1, shortestWaitMs: 10 });
    clock.now += 990;
    send("c"); // 1,010 ms after its 429, and throttled again
    expect(retries()).toEqual({ honoured: 1, early: 1, shortestWaitMs: 10 });
    clock.now += 5_000;
    send("c");
    expect(retries()).toEqual({ honoured: 2, early: 1, shortestWaitMs: 10 });
  });

  it("forgets what it watched when the faults are cleared", () => {
    const clock = { now: 0 };
    const { faults, send } = throttling(clock);
    send("d");
    faults.clear();
    const rule = faults.add(
      faultRuleSchema.parse({ path: "/v1.0/**", count: 0, action: { type: "throttle", retryAfterSeconds: 5 } }),
    );
    faults.observe("d");
    expect(rule.retries).toEqual({ honoured: 0, early: 0, shortestWaitMs: null });
  });

  it("keeps no retry count on rules that do not throttle", () => {
    const faults = new FaultInjector();
    const rule = faults.add(faultRuleSchema.parse({ path: "/v1.0/**", action: { type: "unavailable" } }));
    expect(rule.retries).toBeUndefined();
  });
});
