// A fixed-window counter per key, in this process's memory. Enough to slow down guessing of patient
// links on one instance; several instances behind a load balancer would each count on their own.
export interface RateLimiter {
  /** true if the call is allowed; false once the key used up its window */
  take(key: string, now?: number): { allowed: boolean; retryAfterSeconds: number };
}

export function fixedWindowLimiter(limit: number, windowMs: number, maxKeys = 50_000): RateLimiter {
  const windows = new Map<string, { startedAt: number; count: number }>();
  return {
    take(key, now = Date.now()) {
      let entry = windows.get(key);
      if (!entry || now - entry.startedAt >= windowMs) {
        if (windows.size >= maxKeys) windows.clear(); // bounded memory under a flood of distinct keys
        entry = { startedAt: now, count: 0 };
        windows.set(key, entry);
      }
      entry.count++;
      const retryAfterSeconds = Math.ceil((entry.startedAt + windowMs - now) / 1000);
      return { allowed: entry.count <= limit, retryAfterSeconds };
    },
  };
}
