// The call runtime's own connections to PostgreSQL: a small pool for the queue's statements (record, claim,
// apply, save) and one dedicated client that LISTENs for new notifications. Plain `pg` rather than Prisma:
// these statements run several times per notification and Prisma's per-query work was a large share of a
// call's CPU (docs/PERFORMANCE.md); the domain's own reads and writes stay on Prisma.
import "server-only";
import pg from "pg";

/** The channel the webhook wakes the runtime on; the payload is the call's normalised Graph id. */
export const CALLS_CHANNEL = "consulta_calls";

export interface Sql {
  query<T extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
}

/** A transaction's statements. */
export interface TxSql extends Sql {
  /** The transaction's last statement: it and the COMMIT go to the server as one message. */
  last<T extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
}

export interface CallSql extends Sql {
  /**
   * A statement run often with the same text (the webhook's): prepared once per connection under `name`, so
   * PostgreSQL parses and plans it once instead of on every call.
   */
  prepared<T extends object = Record<string, unknown>>(name: string, text: string, values: unknown[]): Promise<T[]>;
  /**
   * Runs `work` in one transaction on one connection: committed if it returns, rolled back if it throws.
   * The BEGIN travels with the first statement and the COMMIT with `last` (one message each, their values
   * written into the text as literals with PostgreSQL's own quoting): a turn of the runtime costs two round
   * trips instead of four, and on these machines each is a system call that costs more than the statement.
   */
  transaction<T>(work: (sql: TxSql) => Promise<T>): Promise<T>;
  /**
   * LISTENs on `channel` (one connection of its own for all channels, reconnecting when it is lost);
   * `reconnected` runs after a reconnection, since notifications sent meanwhile are gone. Resolves once
   * listening; the function it resolves to stops this subscription.
   */
  listen(
    channel: string,
    handlers: { notify(payload: string): void; reconnected?(): void },
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const wrap = (client: pg.Pool | pg.PoolClient): Sql => ({
  async query<T extends object>(text: string, values?: unknown[]) {
    return (await client.query<T>(text, values)).rows;
  },
});

/** A value as the text PostgreSQL reads for it (what node-postgres sends as a parameter), before quoting. */
function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const element = (item: unknown) => {
      const text = textOf(item);
      return text === null ? "NULL" : `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    };
    return `{${value.map(element).join(",")}}`;
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** `text` with its $n placeholders replaced by the values as quoted literals (their casts stay in the text). */
function inline(text: string, values: unknown[] = []): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = textOf(values[Number(n) - 1]);
    return value === null ? "NULL" : pg.escapeLiteral(value);
  });
}

/** What node-postgres answers a simple query: one result, or one per statement. */
type Results<T> = { rows: T[] } | { rows: T[] }[];

type Handlers = { notify(payload: string): void; reconnected?(): void };

/** One LISTEN connection for every channel a process follows. */
function createListener(connectionString: string) {
  const subscriptions = new Map<string, Set<Handlers>>();
  let client: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const connect = (): Promise<pg.Client> =>
    (connecting ??= (async () => {
      const next = new pg.Client({ connectionString, options: UTC_SESSION });
      next.on("notification", (message) => {
        for (const handlers of subscriptions.get(message.channel) ?? []) handlers.notify(message.payload ?? "");
      });
      const lost = () => {
        if (client !== next || closed) return;
        client = null;
        connecting = null;
        void next.end().catch(() => undefined);
        retry = setTimeout(() => void reconnect(), 1_000);
      };
      next.on("error", lost);
      next.on("end", lost);
      try {
        await next.connect();
        for (const channel of subscriptions.keys()) await next.query(`LISTEN "${channel}"`);
      } catch (error) {
        connecting = null;
        void next.end().catch(() => undefined);
        throw error;
      }
      client = next;
      return next;
    })());

  const reconnect = async () => {
    if (closed || subscriptions.size === 0) return;
    try {
      await connect();
      for (const set of subscriptions.values()) for (const handlers of set) handlers.reconnected?.();
    } catch {
      retry = setTimeout(() => void reconnect(), 1_000);
    }
  };

  return {
    async subscribe(channel: string, handlers: Handlers): Promise<() => Promise<void>> {
      if (!/^[a-z_]+$/.test(channel)) throw new Error("channel names are lowercase letters and _");
      const known = subscriptions.has(channel);
      const set = subscriptions.get(channel) ?? new Set();
      set.add(handlers);
      subscriptions.set(channel, set);
      const listening = await connect();
      if (!known && client === listening) await listening.query(`LISTEN "${channel}"`);
      return async () => {
        set.delete(handlers);
        if (set.size) return;
        subscriptions.delete(channel);
        await client?.query(`UNLISTEN "${channel}"`).catch(() => undefined);
      };
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      subscriptions.clear();
      const open = client;
      client = null;
      connecting = null;
      await open?.end().catch(() => undefined);
    },
  };
}

// every session in UTC, like Prisma's (lib/db/create-client.ts): the same instant reads and writes the same
// whichever server default TimeZone (an embedded server takes the zone of whoever started it)
const UTC_SESSION = "-c TimeZone=UTC";

export function createCallSql(connectionString: string, options: { max?: number } = {}): CallSql {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 4, options: UTC_SESSION });
  const listener = createListener(connectionString);
  // an idle client that loses its connection (a database restart) must not end the process
  pool.on("error", () => undefined);
  const sql = wrap(pool);
  return {
    query: sql.query,
    async prepared<T extends object>(name: string, text: string, values: unknown[]) {
      return (await pool.query<T & pg.QueryResultRow>({ name, text, values })).rows;
    },
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // a connection lost between two statements is reported as an event on the client: kept here (the next
      // statement fails), not left to end the process as an unhandled 'error'
      const lost = (error: Error) => (broken = error);
      client.on("error", lost);
      let begun = false;
      let committed = false;
      const script = async <T extends object>(text: string, values: unknown[] | undefined, commit: boolean) => {
        if (committed) throw new Error("the transaction is over");
        const statement = inline(text, values);
        const sent = `${begun ? "" : "BEGIN; "}${statement}${commit ? "; COMMIT" : ""}`;
        begun = true;
        const results = (await client.query(sent)) as unknown as Results<T>;
        if (commit) committed = true;
        // the statement's own rows: before the COMMIT's (empty) result
        return Array.isArray(results) ? results[results.length - (commit ? 2 : 1)]!.rows : results.rows;
      };
      const tx: TxSql = {
        query: (text, values) => (begun ? client.query(text, values).then((r) => r.rows) : script(text, values, false)),
        last: (text, values) => script(text, values, true),
      };
      try {
        const result = await work(tx);
        if (begun && !committed) await client.query("COMMIT");
        return result;
      } catch (error) {
        if (begun && !committed) await client.query("ROLLBACK").catch((rollback: Error) => (broken = rollback));
        throw error;
      } finally {
        client.off("error", lost);
        // a connection that was lost or could not even roll back is not handed to anyone else
        client.release(broken);
      }
    },
    listen: (channel, handlers) => listener.subscribe(channel, handlers),
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}
