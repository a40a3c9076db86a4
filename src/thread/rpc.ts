// Calls between the HTTP thread and the daemon's worker thread (src/thread/threaded-app.ts): a call
// is a message with an id, its answer a message with the same id. Errors cross as their code and
// message (encoded-error.ts), so the HTTP layer maps them as it would in one thread. Messages on
// one port arrive in the order they were posted: a notice posted before an answer is handled
// before that answer (the HTTP thread's verdict cache relies on it).

import { decodeError, type EncodedError, encodeError } from './encoded-error.js';

/** A worker_threads MessagePort or Worker (or a MessageChannel's end in tests). */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

interface CallMessage {
  kind: 'call';
  id: number;
  target: string;
  method: string;
  args: unknown[];
}

type AnswerMessage = { kind: 'answer'; id: number; value: unknown } | { kind: 'answer'; id: number; error: EncodedError };

export interface NoticeMessage {
  kind: 'notice';
  name: string;
  data: unknown;
}

function isMessage<K extends string>(message: unknown, kind: K): message is { kind: K } {
  return typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === kind;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;

  constructor(
    private readonly port: MessagePortLike,
    onNotice: (notice: NoticeMessage) => void,
  ) {
    port.on('message', (message) => {
      if (isMessage(message, 'notice')) onNotice(message as NoticeMessage);
      else if (isMessage(message, 'answer')) this.settle(message as AnswerMessage);
    });
  }

  call(target: string, method: string, args: unknown[]): Promise<unknown> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.port.postMessage({ kind: 'call', id, target, method, args } satisfies CallMessage);
      } catch (error) {
        // An argument that cannot be cloned (DataCloneError): the call never left.
        this.pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** The other side is gone: every call in flight, and every later one, fails with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(this.failure);
    this.pending.clear();
  }

  /** Calls still waiting for their answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  private settle(answer: AnswerMessage): void {
    const waiting = this.pending.get(answer.id);
    if (waiting === undefined) return;
    this.pending.delete(answer.id);
    if ('error' in answer) waiting.reject(decodeError(answer.error));
    else waiting.resolve(answer.value);
  }
}

/** The objects a call may name as its target (undefined: not there, or not yet). */
export type RpcTargets = (name: string) => object | undefined;

/** Answers every call arriving on `port` with what the named target's method resolves or throws. */
export function serveRpc(port: MessagePortLike, targets: RpcTargets): void {
  port.on('message', (message) => {
    if (isMessage(message, 'call')) void answer(port, targets, message as CallMessage);
  });
}

async function answer(port: MessagePortLike, targets: RpcTargets, call: CallMessage): Promise<void> {
  let reply: AnswerMessage;
  try {
    const target = targets(call.target);
    const method: unknown = target === undefined ? undefined : Reflect.get(target, call.method);
    if (typeof method !== 'function') throw new Error(`the daemon thread has no ${call.target}.${call.method}`);
    reply = { kind: 'answer', id: call.id, value: await (method as (...args: unknown[]) => unknown).apply(target, call.args) };
  } catch (error) {
    reply = { kind: 'answer', id: call.id, error: encodeError(error) };
  }
  try {
    port.postMessage(reply);
  } catch (error) {
    // A value that cannot be cloned: the caller gets the reason instead of waiting forever.
    port.postMessage({ kind: 'answer', id: call.id, error: encodeError(error) } satisfies AnswerMessage);
  }
}

export function postNotice(port: MessagePortLike, name: string, data: unknown): void {
  port.postMessage({ kind: 'notice', name, data } satisfies NoticeMessage);
}

/** Every method of T, named once: the compiler says when the interface gains one the proxy lacks. */
export type MethodNames<T> = { [K in keyof T]-?: true };

/** An object whose methods call the same-named methods of `target` on the other side. */
export function remote<T extends object>(client: RpcClient, target: string, methods: MethodNames<T>): T {
  const proxy: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const method of Object.keys(methods)) proxy[method] = (...args) => client.call(target, method, args);
  return proxy as unknown as T;
}
