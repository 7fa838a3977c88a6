// Request budgets, in this process's memory. Enough to slow down guessing of patient links on one instance;
// several instances behind a load balancer would each count on their own (a later change moves the counts to
// PostgreSQL).

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

/**
 * How many different keys one caller may touch in a window: a patient opens their own link again and again,
 * someone guessing opens a new one each time.
 */
export function distinctKeysLimiter(limit: number, windowMs: number, maxCallers = 50_000) {
  const windows = new Map<string, { startedAt: number; keys: Set<string> }>();
  return {
    take(caller: string, key: string, now = Date.now()): { allowed: boolean; retryAfterSeconds: number } {
      let entry = windows.get(caller);
      if (!entry || now - entry.startedAt >= windowMs) {
        if (windows.size >= maxCallers) windows.clear();
        entry = { startedAt: now, keys: new Set() };
        windows.set(caller, entry);
      }
      // a key seen already costs nothing more; past the limit new keys are refused and not remembered
      const allowed = entry.keys.has(key) || entry.keys.size < limit;
      if (allowed) entry.keys.add(key);
      return { allowed, retryAfterSeconds: Math.ceil((entry.startedAt + windowMs - now) / 1000) };
    },
  };
}

/**
 * Patient links are fair to patients who share an address (a clinic's Wi-Fi, a carrier's NAT): each link has a
 * budget of its own, so one patient reloading their page does not spend another's; the address has a larger
 * budget for everyone behind it together; and the number of different links one address may try is capped,
 * which is what slows down guessing.
 */
export interface PatientLinkBudget {
  perLinkPerMinute: number;
  perAddressPerMinute: number;
  linksPerAddress: number;
  linksWindowMs: number;
}

export const PATIENT_LINK_BUDGET: PatientLinkBudget = {
  /** requests a minute to one link, from anywhere */
  perLinkPerMinute: 30,
  /** requests a minute from one address, all links together: room for a waiting room on one Wi-Fi */
  perAddressPerMinute: 300,
  /** different links one address may open in ten minutes */
  linksPerAddress: 30,
  linksWindowMs: 10 * 60_000,
};

export type PatientLinkRefusal = "link" | "address" | "guessing";

export function patientLinkLimiter(budget: PatientLinkBudget = PATIENT_LINK_BUDGET) {
  const links = fixedWindowLimiter(budget.perLinkPerMinute, 60_000);
  const addresses = fixedWindowLimiter(budget.perAddressPerMinute, 60_000);
  const distinct = distinctKeysLimiter(budget.linksPerAddress, budget.linksWindowMs);
  return {
    /**
     * `link`: the link's token, or for a request that names no token of the right shape, something scoped to
     * the address (so malformed requests from one address never spend a real link's budget).
     */
    take(
      address: string,
      link: string,
      now = Date.now(),
    ): { allowed: true } | { allowed: false; retryAfterSeconds: number; reason: PatientLinkRefusal } {
      const tried = distinct.take(address, link, now);
      const perLink = links.take(link, now);
      const perAddress = addresses.take(address, now);
      if (!tried.allowed) return { allowed: false, retryAfterSeconds: tried.retryAfterSeconds, reason: "guessing" };
      if (!perLink.allowed) return { allowed: false, retryAfterSeconds: perLink.retryAfterSeconds, reason: "link" };
      if (!perAddress.allowed)
        return { allowed: false, retryAfterSeconds: perAddress.retryAfterSeconds, reason: "address" };
      return { allowed: true };
    },
  };
}
