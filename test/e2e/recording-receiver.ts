// The deployer's side of the webhook adapter as the e2e tests see it: a receiver that records every
// request exactly as it arrived (headers, raw body, its own signature check) and forwards it to the
// demo service's /deploy, which moves the simulated traffic.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdapterRequest } from '../../src/adapters/types.js';
import { verifyWebhookSignature } from '../../src/adapters/webhook-signature.js';
import { readBody } from '../../src/demo/demo-service.js';
import { waitFor } from './polling.js';

export interface RecordedHook {
  receivedAt: number;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: AdapterRequest;
  /** Checked here with the shared secret, on the exact bytes received. */
  signatureValid: boolean;
  /** What the forwarded-to deployer answered (the receiver answers the same). */
  upstreamStatus: number;
}

export interface RecordingReceiver {
  /** POST here: the webhook adapter's url. */
  url: string;
  hooks(): RecordedHook[];
  hooksFor(analysisId: string): RecordedHook[];
  close(): Promise<void>;
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

export interface RecordingReceiverOptions {
  secret: string;
  forwardTo: string;
  /**
   * Milliseconds to keep a delivery's answer back (after forwarding it), e.g. to kill the daemon
   * while it waits: the deployer acted but canaryd never heard back. Asked for every delivery.
   */
  delayAnswer?: (body: AdapterRequest) => number;
}

export async function startRecordingReceiver(options: RecordingReceiverOptions): Promise<RecordingReceiver> {
  const hooks: RecordedHook[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const rawBody = await readBody(request);
      const receivedAt = Date.now();
      const signature = header(request.headers, 'canaryd-signature');
      const upstream = await fetch(options.forwardTo, {
        method: 'POST',
        headers: {
          'Content-Type': header(request.headers, 'content-type'),
          'Canaryd-Signature': signature,
          'Idempotency-Key': header(request.headers, 'idempotency-key'),
        },
        body: rawBody,
      });
      const answer = await upstream.text();
      const body = JSON.parse(rawBody) as AdapterRequest;
      hooks.push({
        receivedAt,
        path: request.url ?? '',
        headers: request.headers,
        rawBody,
        body,
        signatureValid: verifyWebhookSignature(options.secret, signature, rawBody, Math.floor(receivedAt / 1000)),
        upstreamStatus: upstream.status,
      });
      const delay = options.delayAnswer?.(body) ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref());
      if (response.destroyed) return;
      response.writeHead(upstream.status, { 'Content-Type': 'application/json' }).end(answer);
    })().catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/deploy`,
    hooks: () => [...hooks],
    hooksFor: (analysisId) => hooks.filter((hook) => hook.body.analysisId === analysisId),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What is wrong with one delivery by the §5 contract: empty when the signature verifies, the
 * Idempotency-Key header equals the body's idempotencyKey, which is
 * `{analysisId}:{step}:{action}:{evidenceHash}`, and the body is JSON.
 */
export function hookProblems(hook: RecordedHook): string[] {
  const problems: string[] = [];
  const { body } = hook;
  const what = `${body.action} (step ${body.step})`;
  if (!hook.signatureValid) problems.push(`${what}: Canaryd-Signature does not verify: ${header(hook.headers, 'canaryd-signature')}`);
  const key = header(hook.headers, 'idempotency-key');
  if (key !== body.idempotencyKey) problems.push(`${what}: Idempotency-Key header "${key}" differs from the body's "${body.idempotencyKey}"`);
  const expected = `${body.analysisId}:${body.step}:${body.action}:${body.evidenceHash}`;
  if (body.idempotencyKey !== expected) problems.push(`${what}: idempotencyKey "${body.idempotencyKey}", expected "${expected}"`);
  if (!header(hook.headers, 'content-type').startsWith('application/json')) {
    problems.push(`${what}: Content-Type is "${header(hook.headers, 'content-type')}"`);
  }
  if (!/^[0-9a-f]{64}$/.test(body.evidenceHash)) problems.push(`${what}: evidenceHash "${body.evidenceHash}" is not sha256 hex`);
  return problems;
}

/**
 * The first delivery of `action` for an analysis. A decision is committed before its call is made,
 * so an analysis can read as ended a moment before its complete or rollback reaches the deployer.
 */
export function waitForHook(receiver: RecordingReceiver, analysisId: string, action: AdapterRequest['action'], timeoutMs = 10_000): Promise<RecordedHook> {
  return waitFor(`a ${action} call for analysis ${analysisId}`, async () => receiver.hooksFor(analysisId).find((hook) => hook.body.action === action), {
    timeoutMs,
    intervalMs: 50,
    lastSeen: () => JSON.stringify(receiver.hooksFor(analysisId).map((hook) => hook.body.action)),
  });
}

// ---------------------------------------------------------------- notification sinks

/** One notification as a sink receiver got it. */
export interface RecordedNotification {
  receivedAt: number;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: Record<string, unknown>;
  /** With a secret: whether Canaryd-Signature verifies on the exact bytes received. */
  signatureValid: boolean | null;
  /** What the receiver answered; 0: nothing (hang). */
  status: number;
}

export interface SinkReceiverOptions {
  /** The path notifications are accepted at (a Slack incoming webhook's path is its secret). */
  path: string;
  /** Verify Canaryd-Signature with this secret. */
  secret?: string;
  /** Answer 500 to the first this many requests (default 0). */
  failFirst?: number;
  /** Never answer (the sender must time out). */
  hang?: boolean;
}

export interface SinkReceiver {
  url: string;
  /** Every request, failed ones included. */
  requests(): RecordedNotification[];
  /** The requests answered 200. */
  accepted(): RecordedNotification[];
  close(): Promise<void>;
}

/** A real HTTP receiver standing in for Slack or a notification webhook. */
export async function startSinkReceiver(options: SinkReceiverOptions): Promise<SinkReceiver> {
  const requests: RecordedNotification[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const rawBody = await readBody(request);
      const receivedAt = Date.now();
      // 0: never answered (hang).
      const status = options.hang === true ? 0 : request.url !== options.path ? 404 : requests.length < (options.failFirst ?? 0) ? 500 : 200;
      const signature = header(request.headers, 'canaryd-signature');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {
        // recorded as an empty body; the test sees it
      }
      requests.push({
        receivedAt,
        path: request.url ?? '',
        headers: request.headers,
        rawBody,
        body,
        signatureValid: options.secret === undefined ? null : verifyWebhookSignature(options.secret, signature, rawBody, Math.floor(receivedAt / 1000)),
        status,
      });
      if (status === 0) return;
      response.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok' : 'failing on purpose');
    })().catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.path}`,
    requests: () => [...requests],
    accepted: () => requests.filter((request) => request.status === 200),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
