import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/analysis/errors.js';
import { StartupProblems } from '../../../src/daemon/startup.js';
import { type NoticeMessage, postNotice, remote, RpcClient, serveRpc } from '../../../src/thread/rpc.js';

const opened: MessagePort[] = [];

function channel(): { near: MessagePort; far: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  return { near: port1, far: port2 };
}

afterEach(() => {
  for (const port of opened.splice(0)) port.close();
});

interface Greeter {
  greet(name: string): Promise<string>;
  refuse(): Promise<never>;
}

function greeterPair(notices: NoticeMessage[] = []): { client: RpcClient; far: MessagePort; greeter: Greeter } {
  const { near, far } = channel();
  const greeter: Greeter = {
    greet: async (name) => `hello ${name}`,
    refuse: async () => {
      throw new DomainError('not-found', 'analysis x does not exist', 'id');
    },
  };
  serveRpc(far, (name) => (name === 'greeter' ? greeter : undefined));
  const client = new RpcClient(near, (notice) => notices.push(notice));
  return { client, far, greeter: remote<Greeter>(client, 'greeter', { greet: true, refuse: true }) };
}

describe('rpc between threads', () => {
  it('answers a call with what the method resolves', async () => {
    const { greeter } = greeterPair();
    await expect(greeter.greet('canary')).resolves.toBe('hello canary');
  });

  it('rebuilds a DomainError with its code and field, so the HTTP layer maps it as in one thread', async () => {
    const { greeter } = greeterPair();
    const error = await greeter.refuse().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'not-found', message: 'analysis x does not exist', field: 'id' });
  });

  it('rebuilds StartupProblems with every problem (the CLI prints them and exits 2)', async () => {
    const { near, far } = channel();
    const problems = [{ file: '/etc/canaryd.yaml', line: 3, column: 5, message: 'server.prot: unknown field' }];
    serveRpc(far, () => ({
      build: async () => {
        throw new StartupProblems(problems);
      },
    }));
    const error = await new RpcClient(near, () => undefined).call('lifecycle', 'build', []).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StartupProblems);
    expect((error as StartupProblems).problems).toEqual(problems);
    expect((error as StartupProblems).code).toBe('invalid-config');
  });

  it('refuses a method the other side does not have, instead of waiting forever', async () => {
    const { client } = greeterPair();
    await expect(client.call('greeter', 'wave', [])).rejects.toThrow('the daemon thread has no greeter.wave');
    await expect(client.call('nobody', 'greet', [])).rejects.toThrow('the daemon thread has no nobody.greet');
  });

  it('answers with the reason when a result cannot be cloned', async () => {
    const { near, far } = channel();
    serveRpc(far, () => ({ make: async () => ({ callback: () => 1 }) }));
    const client = new RpcClient(near, () => undefined);
    await expect(client.call('maker', 'make', [])).rejects.toThrow(/could not be cloned/);
    expect(client.inFlight).toBe(0);
  });

  it('refuses an argument that cannot be cloned without sending the call', async () => {
    const { client } = greeterPair();
    await expect(client.call('greeter', 'greet', [() => 'x'])).rejects.toThrow(/could not be cloned/);
    expect(client.inFlight).toBe(0);
  });

  it('fails every call in flight and every later one once the other side is gone', async () => {
    const { near, far } = channel();
    serveRpc(far, () => ({ never: () => new Promise(() => undefined) }));
    const client = new RpcClient(near, () => undefined);
    const waiting = client.call('stuck', 'never', []);
    client.fail(new Error('the worker exited (code 1)'));
    await expect(waiting).rejects.toThrow('the worker exited (code 1)');
    await expect(client.call('stuck', 'never', [])).rejects.toThrow('the worker exited (code 1)');
    expect(client.inFlight).toBe(0);
  });

  it('delivers a notice posted before an answer before that answer', async () => {
    const seen: string[] = [];
    const { near, far } = channel();
    serveRpc(far, () => ({
      write: async (id: string) => {
        postNotice(far, 'verdict-written', { id, version: 2 });
        return 'written';
      },
    }));
    const client = new RpcClient(near, (notice) => seen.push(`notice ${(notice.data as { id: string }).id}`));
    const answer = await client.call('store', 'write', ['a1']);
    seen.push(`answer ${String(answer)}`);
    expect(seen).toEqual(['notice a1', 'answer written']);
  });
});
