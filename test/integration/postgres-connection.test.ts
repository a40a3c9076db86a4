// The PostgreSQL connection layer on a real server: a connection that breaks while checked out for
// a transaction (the server stops between two statements) must fail that transaction as a store
// error — not crash the process with an unhandled 'error' event — and the pool must recover.

import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openConnection } from '../../src/store/postgres/connection.js';
import { startPostgres, type RunningPostgres } from '../helpers/postgres.js';

let server: RunningPostgres;

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function terminateBackend(url: string, pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

/** Resolves once the checked-out client has seen its socket close (or after 5 s: without a listener
 * for its 'error' the client throws before it emits 'end', and the test should fail on `uncaught`). */
function socketClosed(client: pg.PoolClient): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5_000);
    client.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const uncaught: unknown[] = [];
const onUncaught = (error: unknown): void => {
  uncaught.push(error);
};
beforeEach(() => {
  uncaught.length = 0;
  process.on('uncaughtException', onUncaught);
});
afterEach(() => {
  process.removeListener('uncaughtException', onUncaught);
});

describe('PostgreSQL connection', () => {
  it('fails a transaction whose connection breaks between statements as store-unavailable, without crashing', async () => {
    const url = await server.createDatabase();
    const connection = openConnection(url, { max: 2, connectionTimeoutMs: 2_000 });
    try {
      const outcome = connection.transaction(async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const closed = socketClosed(client);
        await terminateBackend(url, rows[0]?.pid ?? -1);
        await closed;
        return client.query('SELECT 1');
      });
      await expect(outcome).rejects.toMatchObject({ code: 'store-unavailable' });
      expect(uncaught).toEqual([]);
      // The broken connection was dropped; the next statements get working ones.
      for (let attempt = 0; attempt < 3; attempt++) {
        const { rows } = await connection.query<{ one: number }>('SELECT 1 AS one');
        expect(rows).toEqual([{ one: 1 }]);
      }
    } finally {
      await connection.close();
    }
  });

  it('keeps serving after the server stops and comes back while a transaction waits between statements', async () => {
    const url = await server.createDatabase();
    const connection = openConnection(url, { max: 2, connectionTimeoutMs: 2_000 });
    try {
      await connection.query('SELECT 1');
      const outcome = connection.transaction(async (client) => {
        const closed = socketClosed(client);
        await server.pause();
        await closed;
        return client.query('SELECT 1');
      });
      await expect(outcome).rejects.toMatchObject({ code: 'store-unavailable' });
      expect(uncaught).toEqual([]);
      await expect(connection.query('SELECT 1')).rejects.toMatchObject({ code: 'store-unavailable' });
      await server.resume();
      const { rows } = await connection.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await connection.close();
    }
  });
});
