// The call runtime's own connections to PostgreSQL: a small pool for the queue's statements (record, claim,
// apply, save) and one dedicated client that LISTENs for new notifications. Plain `pg` rather than Prisma:
// these statements run several times per notification and Prisma's per-query work was a large share of a
// call's CPU (docs/PERFORMANCE.md); the domain's own reads and writes stay on Prisma.
import pg from "pg";

/** The channel the webhook wakes the runtime on; the payload is the call's normalised Graph id. */
export const CALLS_CHANNEL = "consulta_calls";

export interface Sql {
  query<T extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
}

export interface CallSql extends Sql {
  /** Runs `work` in one transaction on one connection: committed if it returns, rolled back if it throws. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * LISTENs on CALLS_CHANNEL with a connection of its own, reconnecting when it is lost; `onReconnect`
   * runs after each reconnection, since notifications sent meanwhile are gone. Resolves once listening.
   */
  listen(handlers: { notify(graphCallId: string): void; reconnected(): void }): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const wrap = (client: pg.Pool | pg.PoolClient): Sql => ({
  async query<T extends object>(text: string, values?: unknown[]) {
    return (await client.query<T>(text, values)).rows;
  },
});

export function createCallSql(connectionString: string, options: { max?: number } = {}): CallSql {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 4 });
  // an idle client that loses its connection (a database restart) must not end the process
  pool.on("error", () => undefined);
  const sql = wrap(pool);
  return {
    query: sql.query,
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // a connection lost between two statements is reported as an event on the client: kept here (the next
      // statement fails), not left to end the process as an unhandled 'error'
      const lost = (error: Error) => (broken = error);
      client.on("error", lost);
      try {
        await client.query("BEGIN");
        const result = await work(wrap(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch((rollback: Error) => (broken = rollback));
        throw error;
      } finally {
        client.off("error", lost);
        // a connection that was lost or could not even roll back is not handed to anyone else
        client.release(broken);
      }
    },
    async listen(handlers) {
      let client: pg.Client | null = null;
      let stopped = false;
      let retry: NodeJS.Timeout | undefined;
      const connect = async (): Promise<void> => {
        const next = new pg.Client({ connectionString });
        next.on("notification", (message) => {
          if (message.channel === CALLS_CHANNEL && message.payload) handlers.notify(message.payload);
        });
        const lost = () => {
          if (client !== next || stopped) return;
          client = null;
          void next.end().catch(() => undefined);
          retry = setTimeout(() => void reconnect(), 1_000);
        };
        next.on("error", lost);
        next.on("end", lost);
        await next.connect();
        await next.query(`LISTEN ${CALLS_CHANNEL}`);
        client = next;
      };
      const reconnect = async () => {
        if (stopped) return;
        try {
          await connect();
          handlers.reconnected();
        } catch {
          retry = setTimeout(() => void reconnect(), 1_000);
        }
      };
      await connect();
      return async () => {
        stopped = true;
        clearTimeout(retry);
        await client?.end().catch(() => undefined);
        client = null;
      };
    },
    close: () => pool.end(),
  };
}

/** Wakes the runtime for calls whose rows were just written (delivered when the transaction commits). */
export const wakeStatement = (graphCallIdsParam: string) =>
  `SELECT count(pg_notify('${CALLS_CHANNEL}', id)) AS woken FROM unnest(${graphCallIdsParam}::text[]) AS id`;
