/**
 * The emulated cloud's clock for the timeouts that run in minutes (a call with no keepAlive for 45 minutes
 * ends). It runs with real time and can be moved forward through the control API, so a test can let three
 * quarters of an hour pass at once. Everything else (ringing, prompts, notification retries) keeps real time.
 */
export class EmulatorClock {
  private offsetMs = 0;
  private readonly listeners = new Set<() => void>();

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the clock forward by `ms`; whatever is due by then happens now. */
  advance(ms: number): void {
    this.offsetMs += ms;
    for (const listener of this.listeners) listener();
  }

  /** Called after every advance. */
  onAdvance(listener: () => void): void {
    this.listeners.add(listener);
  }

  reset(): void {
    this.offsetMs = 0;
  }

  view() {
    return { now: new Date(this.now()).toISOString(), offsetMs: this.offsetMs };
  }
}
