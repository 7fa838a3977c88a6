// Request budgets shared by every instance: the counts live in PostgreSQL (rate-limiter-flexible's PostgreSQL
// store, table "RateLimit"), so behind a load balancer each web instance spends the same budget as the others.
// Tests and a process without a database use the library's in-memory store with the same rules. If the
// database does not answer, each limiter falls back to counting in this process's memory (the library's
// insurance limiter) rather than refusing everyone or letting everything through.
import "server-only";
import { perProcess } from "@/lib/per-process";
import pg from "pg";
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import { envVariables } from "@/lib/env";

/** Makes one limiter: `keyPrefix` keeps its keys apart from the other limiters' in the same table. */
export type LimiterStore = (options: {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
}) => RateLimiterAbstract;

const optionsOf = (o: { keyPrefix: string; points: number; durationSeconds: number }): IRateLimiterOptions => ({
  keyPrefix: o.keyPrefix,
  points: o.points,
  duration: o.durationSeconds,
});

/** This process's memory: unit tests, and the fallback while the database does not answer. */
export const memoryStore: LimiterStore = (o) => new RateLimiterMemory(optionsOf(o));

/** The table every instance shares (created by the migration, so no instance creates it at start). */
const RATE_LIMIT_TABLE = "RateLimit";

export function postgresStore(pool: pg.Pool): LimiterStore {
  let sweeper = true;
  return (o) => {
    const limiter = new RateLimiterPostgres({
      ...optionsOf(o),
      storeClient: pool,
      tableName: RATE_LIMIT_TABLE,
      tableCreated: true,
      // one limiter per process deletes the table's expired rows (hourly); the others need not
      clearExpiredByTimeout: sweeper,
      insuranceLimiter: new RateLimiterMemory(optionsOf(o)),
    });
    sweeper = false;
    return limiter;
  };
}

export type Taken = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const secondsLeft = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * The library rejects a spent budget with its result object (not an Error). Recognised by shape, not by
 * `instanceof RateLimiterRes`: the bundled proxy can hold another copy of the class than the store's.
 */
function refusalOf(rejection: unknown): RateLimiterRes | null {
  if (rejection instanceof Error || typeof rejection !== "object" || rejection === null) return null;
  return typeof (rejection as RateLimiterRes).msBeforeNext === "number" ? (rejection as RateLimiterRes) : null;
}

/** Spends one point of `key`'s budget; the library rejects with its result once the budget is spent. */
async function spend(limiter: RateLimiterAbstract, key: string): Promise<Taken> {
  try {
    await limiter.consume(key);
    return { allowed: true };
  } catch (rejection) {
    const refusal = refusalOf(rejection);
    if (refusal) return { allowed: false, retryAfterSeconds: secondsLeft(refusal.msBeforeNext) };
    throw rejection; // a store error the insurance limiter could not answer either
  }
}

/** `limit` requests per key per window, the window starting at the key's first request. */
export function fixedWindowLimiter(store: LimiterStore, name: string, limit: number, windowMs: number) {
  const limiter = store({ keyPrefix: name, points: limit, durationSeconds: windowMs / 1000 });
  return { take: (key: string) => spend(limiter, key) };
}

/**
 * How many different keys one caller may touch in a window: a patient opens their own link again and again,
 * someone guessing opens a new one each time. Two limiters: the caller's count of keys, and a mark per
 * (caller, key) that lives as long as the caller's window, so a key seen already costs nothing more. Past the
 * limit new keys are refused and not marked. Two instances seeing the same new key at once may both count
 * it: the error is on the caller's side, never a guess let through.
 */
export function distinctKeysLimiter(store: LimiterStore, name: string, limit: number, windowMs: number) {
  const callers = store({ keyPrefix: `${name}-callers`, points: limit, durationSeconds: windowMs / 1000 });
  const seen = store({ keyPrefix: `${name}-seen`, points: 1, durationSeconds: windowMs / 1000 });
  return {
    async take(caller: string, key: string): Promise<Taken> {
      const mark = `${caller} ${key}`;
      if (await seen.get(mark)) return { allowed: true };
      let counted: RateLimiterRes;
      try {
        counted = await callers.consume(caller);
      } catch (rejection) {
        const refusal = refusalOf(rejection);
        if (refusal) return { allowed: false, retryAfterSeconds: secondsLeft(refusal.msBeforeNext) };
        throw rejection;
      }
      // the mark ends with the caller's window, so the next window counts every key afresh
      await seen.set(mark, 1, secondsLeft(counted.msBeforeNext));
      return { allowed: true };
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

const PATIENT_LINK_BUDGET: PatientLinkBudget = {
  /** requests a minute to one link, from anywhere */
  perLinkPerMinute: 30,
  /** requests a minute from one address, all links together: room for a waiting room on one Wi-Fi */
  perAddressPerMinute: 300,
  /** different links one address may open in ten minutes */
  linksPerAddress: 30,
  linksWindowMs: 10 * 60_000,
};

type PatientLinkRefusal = "link" | "address" | "guessing";

export type PatientLinkAnswer =
  { allowed: true } | { allowed: false; retryAfterSeconds: number; reason: PatientLinkRefusal };

export function patientLinkLimiter(store: LimiterStore, budget: PatientLinkBudget = PATIENT_LINK_BUDGET) {
  const links = fixedWindowLimiter(store, "patient-link", budget.perLinkPerMinute, 60_000);
  const addresses = fixedWindowLimiter(store, "patient-address", budget.perAddressPerMinute, 60_000);
  const distinct = distinctKeysLimiter(store, "patient-links-tried", budget.linksPerAddress, budget.linksWindowMs);
  return {
    /**
     * `link`: the link's token, or for a request that names no token of the right shape, something scoped to
     * the address (so malformed requests from one address never spend a real link's budget).
     */
    async take(address: string, link: string): Promise<PatientLinkAnswer> {
      // every budget is spent whatever the others answer, as a request arrives (in parallel: one round trip)
      const [tried, perLink, perAddress] = await Promise.all([
        distinct.take(address, link),
        links.take(link),
        addresses.take(address),
      ]);
      if (!tried.allowed) return { ...tried, reason: "guessing" };
      if (!perLink.allowed) return { ...perLink, reason: "link" };
      if (!perAddress.allowed) return { ...perAddress, reason: "address" };
      return { allowed: true };
    },
  };
}

/** Sign-in attempts (Auth.js's sign-in and callback requests) per address: a clinic's staff behind one NAT fit. */
const SIGN_IN_BUDGET = { perAddressPerMinute: 60 };

export function signInLimiter(store: LimiterStore, perAddressPerMinute = SIGN_IN_BUDGET.perAddressPerMinute) {
  return fixedWindowLimiter(store, "sign-in", perAddressPerMinute, 60_000);
}

// One small pool per process for the limiters (a web instance's proxy and its sign-in route), apart from
// Prisma's: a limiter's statement is one short upsert, and a burst of refused guesses must not queue behind
// the pages' queries. Without DATABASE_URL (a unit test importing the proxy) the counts stay in memory.
export function sharedLimitStore(): LimiterStore {
  return perProcess("limitStore", () => {
    const url = envVariables(["DATABASE_URL"]).DATABASE_URL;
    if (!url) return memoryStore;
    const pool = new pg.Pool({ connectionString: url, max: 3, idleTimeoutMillis: 30_000 });
    // a connection lost while idle (the database restarting) is replaced on the next query; not a crash
    pool.on("error", () => undefined);
    return postgresStore(pool);
  });
}
