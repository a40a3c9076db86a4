// The deployer's side of the webhook adapter as the e2e tests see it: a receiver that records every
// request exactly as it arrived (headers, raw body, its own signature check) and forwards it to the
// demo service's /deploy, which moves the simulated traffic.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdapterRequest } from '../../src/adapters/types.js';
import { verifyWebhookSignature } from '../../src/adapters/webhook-signature.js';

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

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

export async function startRecordingReceiver(options: { secret: string; forwardTo: string }): Promise<RecordingReceiver> {
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
      hooks.push({
        receivedAt,
        path: request.url ?? '',
        headers: request.headers,
        rawBody,
        body: JSON.parse(rawBody) as AdapterRequest,
        signatureValid: verifyWebhookSignature(options.secret, signature, rawBody, Math.floor(receivedAt / 1000)),
        upstreamStatus: upstream.status,
      });
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
