import type { CallRecord } from "./model";
import type { EngineState } from "./state";
import { terminate } from "./lifecycle";
import { RESULTS } from "./serialize";

// Timers of the simulated platform: signalling steps, named timers a call can clear, and the keepAlive deadline.

/** Platform-driven step after n signalling delays. */
export function later(engine: EngineState, call: CallRecord, fn: () => void, steps = 1, evenIfEnded = false): void {
  timer(
    engine,
    call,
    () => {
      if (call.state === "terminated" && !evenIfEnded) return;
      fn();
    },
    engine.deps.limits.signallingDelayMs * steps,
    undefined,
    evenIfEnded,
  );
}

export function timer(
  engine: EngineState,
  call: CallRecord,
  fn: () => void,
  ms: number,
  name?: string,
  survivesEnd = false,
): void {
  const t = setTimeout(() => {
    call.timers.delete(t);
    if (name) engine.namedTimers.delete(`${call.id}:${name}`);
    fn();
  }, ms);
  if (survivesEnd) {
    engine.globalTimers.add(t);
  } else {
    call.timers.add(t);
  }
  if (name) engine.namedTimers.set(`${call.id}:${name}`, t);
}

export function clearTimer(engine: EngineState, call: CallRecord, name: string): void {
  const t = engine.namedTimers.get(`${call.id}:${name}`);
  if (t) {
    clearTimeout(t);
    call.timers.delete(t);
    engine.namedTimers.delete(`${call.id}:${name}`);
  }
}

export function clearTimers(call: CallRecord): void {
  for (const t of call.timers) clearTimeout(t);
  call.timers.clear();
}

export function keepAlive(engine: EngineState, call: CallRecord): void {
  armKeepAlive(engine, call);
}

/**
 * A call that gets no keepAlive within the timeout (45 minutes) of the last one, or of its start, ends
 * with 408/8537. The deadline is on the emulator's clock, which tests can move forward.
 */
export function armKeepAlive(engine: EngineState, call: CallRecord): void {
  call.lastKeepAliveAt = engine.deps.clock.now();
  scheduleKeepAliveCheck(engine, call);
}

function keepAliveDeadline(engine: EngineState, call: CallRecord): number {
  return (call.lastKeepAliveAt ?? 0) + engine.deps.limits.keepAliveTimeoutMs;
}

function scheduleKeepAliveCheck(engine: EngineState, call: CallRecord): void {
  clearTimer(engine, call, "keepAlive");
  const due = keepAliveDeadline(engine, call) - engine.deps.clock.now();
  if (due <= 0) {
    terminate(engine, call, RESULTS.keepAlive, { silentTerminating: true });
    return;
  }
  timer(engine, call, () => scheduleKeepAliveCheck(engine, call), due, "keepAlive");
}

/** After the clock moved: calls past their keepAlive deadline end, the others wait for the rest of it. */
export function checkKeepAlives(engine: EngineState): void {
  for (const call of engine.calls.values()) if (call.state !== "terminated") scheduleKeepAliveCheck(engine, call);
}

/** When the call's last keepAlive (or its start) was and when it ends without another, on the emulator's clock. */
export function keepAliveView(engine: EngineState, call: CallRecord) {
  if (call.lastKeepAliveAt === undefined) return null;
  return {
    lastAt: new Date(call.lastKeepAliveAt).toISOString(),
    deadline: new Date(keepAliveDeadline(engine, call)).toISOString(),
  };
}
