// What `canaryd serve` does when the daemon's worker thread dies (src/thread/threaded-app.ts): every
// call in flight and every later one fails with the reason, and onCrash (serve: log, exit 4) is told
// once; a worker ended on purpose (stop, failed start) is not a crash. Real worker threads.

import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';

import { RpcClient } from '../../../src/thread/rpc.js';
import { superviseWorker } from '../../../src/thread/threaded-app.js';

// Answers nothing; on any message throws an uncaught error (a bug in the daemon) or exits.
const WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (message) => {
  if (message.method === 'exit') process.exit(3);
  if (message.method === 'throw') throw new Error('tick exploded');
});
`;

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
});

function start(): { worker: Worker; client: RpcClient; crashes: Error[]; supervision: { end(): void } } {
  const worker = new Worker(WORKER, { eval: true });
  workers.push(worker);
  const client = new RpcClient(worker, () => undefined);
  const crashes: Error[] = [];
  const supervision = superviseWorker(worker, client, (error) => crashes.push(error));
  return { worker, client, crashes, supervision };
}

// threadId is -1 once the worker has exited.
const exited = (worker: Worker): Promise<void> => (worker.threadId === -1 ? Promise.resolve() : new Promise((resolve) => worker.once('exit', () => resolve())));

describe('superviseWorker', () => {
  it('an uncaught error in the worker fails the call in flight and later calls, and is one crash', async () => {
    const { worker, client, crashes } = start();
    const inFlight = client.call('service', 'throw', []);
    await expect(inFlight).rejects.toThrow('tick exploded');
    await exited(worker);
    await expect(client.call('service', 'get', ['a1'])).rejects.toThrow('tick exploded');
    expect(crashes.map((error) => error.message)).toEqual(['tick exploded']);
  });

  it('a worker that exits is a crash that names its exit code', async () => {
    const { worker, client, crashes } = start();
    const inFlight = client.call('service', 'exit', []);
    await expect(inFlight).rejects.toThrow("the daemon's worker thread exited (code 3)");
    await exited(worker);
    expect(crashes.map((error) => error.message)).toEqual(["the daemon's worker thread exited (code 3)"]);
  });

  it('a worker ended on purpose fails later calls but is no crash', async () => {
    const { worker, client, crashes, supervision } = start();
    supervision.end();
    await worker.terminate();
    await expect(client.call('service', 'get', ['a1'])).rejects.toThrow('exited');
    expect(crashes).toEqual([]);
  });
});
