// The pool of one PostgreSQL store: lazy migration, transactions, and errors of the database turned
// into 'store-unavailable' with a message that names the server and database but never the password.

import pg from 'pg';
import { DomainError } from '../../analysis/errors.js';
import { migrate } from './schema.js';

export interface PoolOptions {
  /** Connections at most (default 10). */
  max?: number;
  /** How long to wait for a connection, ms (default 5000). */
  connectionTimeoutMs?: number;
}

export interface Connection {
  /** The URL without its password, for messages. */
  where: string;
  query<Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>>;
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  isClosed(): boolean;
}

/** postgres://user@host:port/db — the URL without its password (and without query parameters). */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username === '' ? '' : `${decodeURIComponent(parsed.username)}@`;
    return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

export function openConnection(url: string, options: PoolOptions = {}): Connection {
  const where = describeUrl(url);
  const password = passwordOf(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that breaks (the server restarts) emits here; without a listener it would
  // crash the process. The next query reports the outage as 'store-unavailable'.
  pool.on('error', () => undefined);
  let closed = false;
  let migrated: Promise<void> | null = null;

  function scrub(message: string): string {
    return password === '' ? message : message.split(password).join('***');
  }

  function unavailable(error: unknown): DomainError {
    if (error instanceof DomainError) return error;
    const message = error instanceof Error ? error.message || error.name : String(error);
    const code = (error as { code?: unknown }).code;
    const detail = typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
    return new DomainError('store-unavailable', `PostgreSQL store at ${where}: ${scrub(detail)}`);
  }

  /** Migrates once; a failed attempt (server down) is retried by the next operation. */
  function ready(): Promise<void> {
    migrated ??= (async () => {
      const { client, release } = await checkOut(pool);
      try {
        await migrate(client, where);
      } finally {
        release();
      }
    })().catch((error: unknown) => {
      migrated = null;
      throw error;
    });
    return migrated;
  }

  async function guarded<T>(operation: () => Promise<T>): Promise<T> {
    if (closed) throw new DomainError('store-unavailable', `PostgreSQL store at ${where} is closed`);
    try {
      await ready();
      return await operation();
    } catch (error) {
      throw unavailable(error);
    }
  }

  return {
    where,
    query: (text, values) => guarded(() => pool.query(text, values)),
    transaction: (work) =>
      guarded(async () => {
        const { client, release } = await checkOut(pool);
        let broken: unknown;
        try {
          await client.query('BEGIN');
          const result = await work(client);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch((rollback: unknown) => {
            broken = rollback;
          });
          throw error;
        } finally {
          // A connection whose ROLLBACK failed is dropped, not returned to the pool.
          release(broken);
        }
      }),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
    isClosed: () => closed,
  };
}

interface CheckedOut {
  client: pg.PoolClient;
  /** Returns the connection to the pool, or drops it when it failed or broke while checked out. */
  release(failure?: unknown): void;
}

/**
 * A connection taken from the pool for several statements. The pool listens for errors of idle
 * connections only: one that breaks while checked out (the server stops between two statements)
 * emits 'error' with nobody listening, which would crash the daemon. The listener keeps the error;
 * the next statement fails on its own, and the broken connection is dropped at release.
 */
async function checkOut(pool: pg.Pool): Promise<CheckedOut> {
  const client = await pool.connect();
  let brokenWhileOut: Error | undefined;
  const onError = (error: Error): void => {
    brokenWhileOut = error;
  };
  client.on('error', onError);
  return {
    client,
    release(failure) {
      client.removeListener('error', onError);
      const reason = brokenWhileOut ?? failure;
      client.release(reason === undefined ? undefined : reason instanceof Error ? reason : new Error(String(reason)));
    },
  };
}

/** PostgreSQL's unique_violation: a concurrent insert won the race. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}
