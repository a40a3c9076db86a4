// The demo's service: simulated traffic for two services, each with a baseline and a canary track,
// exposed with prom-client, and a webhook receiver that acts like a deployer: canaryd's `set-weight`
// moves that share of the traffic to the canary, `rollback` sends it all back to the baseline.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';
import { verifyWebhookSignature } from '../adapters/webhook-signature.js';
import type { AdapterRequest } from '../adapters/types.js';
import { createRandom, type Random } from '../stats/random.js';

export interface DemoServiceSpec {
  name: string;
  /** Requests per second across both tracks. */
  rps: number;
  baseline: { errorShare: number; latencyMedianSeconds: number };
  canary: { errorShare: number; latencyMedianSeconds: number };
}

export interface ReceivedHook {
  service: string;
  request: AdapterRequest;
  signatureValid: boolean;
}

export interface DemoService {
  url: string;
  weights(): Record<string, number>;
  hooks(): ReceivedHook[];
  close(): Promise<void>;
}

const TICK_MS = 100;
const MIN_BASELINE_SHARE = 0.1;

function logNormal(random: Random, median: number): number {
  return median * Math.exp(0.35 * random.normal());
}

export async function startDemoService(options: { port: number; secret: string; services: DemoServiceSpec[]; seed?: number }): Promise<DemoService> {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests served, by service, track and status code.',
    labelNames: ['service', 'track', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Request latency, by service and track.',
    labelNames: ['service', 'track'],
    buckets: [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2.5],
    registers: [registry],
  });
  const random = createRandom(options.seed ?? 42);
  const weights: Record<string, number> = {};
  const carry: Record<string, number> = {};
  for (const service of options.services) {
    weights[service.name] = 0;
    for (const track of ['baseline', 'canary'] as const) {
      requests.inc({ service: service.name, track, code: '200' }, 0);
      requests.inc({ service: service.name, track, code: '500' }, 0);
    }
  }

  const simulate = (): void => {
    for (const service of options.services) {
      for (const track of ['baseline', 'canary'] as const) {
        const canaryShare = (weights[service.name] ?? 0) / 100;
        // Like a deployer that keeps one baseline replica in rotation until `complete`, so that the
        // last step (weight 100) can still be compared with a baseline.
        const share = track === 'canary' ? canaryShare : Math.max(1 - canaryShare, MIN_BASELINE_SHARE);
        const key = `${service.name}/${track}`;
        const expected = service.rps * share * (TICK_MS / 1000) + (carry[key] ?? 0);
        const count = Math.floor(expected);
        carry[key] = expected - count;
        const behaviour = service[track];
        for (let i = 0; i < count; i += 1) {
          const code = random.uniform() < behaviour.errorShare ? '500' : '200';
          requests.inc({ service: service.name, track, code });
          duration.observe({ service: service.name, track }, logNormal(random, behaviour.latencyMedianSeconds));
        }
      }
    }
  };
  const timer = setInterval(simulate, TICK_MS);

  const hooks: ReceivedHook[] = [];
  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://demo');
    if (request.method === 'GET' && url.pathname === '/metrics') {
      response.writeHead(200, { 'Content-Type': registry.contentType }).end(await registry.metrics());
      return;
    }
    if (request.method === 'POST' && url.pathname === '/deploy') {
      const raw = await readBody(request);
      const signature = String(request.headers['canaryd-signature'] ?? '');
      const signatureValid = verifyWebhookSignature(options.secret, signature, raw, Math.floor(Date.now() / 1000));
      if (!signatureValid) {
        response.writeHead(401).end();
        return;
      }
      const body = JSON.parse(raw) as AdapterRequest;
      const service = body.target.service;
      if (!(service in weights)) {
        response.writeHead(404).end();
        return;
      }
      hooks.push({ service, request: body, signatureValid });
      if (body.action === 'set-weight') weights[service] = body.weight;
      if (body.action === 'complete') weights[service] = 100;
      if (body.action === 'rollback') weights[service] = 0;
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      return;
    }
    response.writeHead(404).end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });

  return {
    url: `http://127.0.0.1:${options.port}`,
    weights: () => ({ ...weights }),
    hooks: () => [...hooks],
    close: async () => {
      clearInterval(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The whole body of a request, as text. */
export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
