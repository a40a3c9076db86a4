import { describe, expect, it } from 'vitest';

import { pruneUnusedSchemas } from '../../../src/http/openapi.js';
import { json, startApi } from './harness.js';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, { description?: string; responses: Record<string, unknown>; requestBody?: unknown; parameters?: unknown[] }>>;
  components: { schemas: Record<string, { description?: string; properties?: Record<string, unknown>; required?: string[] }> };
}

const ROUTES: Array<[string, string, string[]]> = [
  ['/v1/analyses', 'post', ['201', '400', '413', '415', '422', '500', '503']],
  ['/v1/analyses', 'get', ['200', '400']],
  ['/v1/analyses/{id}', 'get', ['200', '404']],
  ['/v1/analyses/{id}/verdict', 'get', ['200', '404']],
  ['/v1/analyses/{id}/actions', 'post', ['200', '400', '404', '409']],
  ['/v1/analyses/{id}/events', 'get', ['200', '404']],
  ['/metrics', 'get', ['200']],
  ['/healthz', 'get', ['200']],
  ['/readyz', 'get', ['200', '503']],
];

function collectRefs(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) collectRefs(item, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') into.push(child);
      else collectRefs(child, into);
    }
  }
  return into;
}

async function fetchDocument(): Promise<OpenApiDocument> {
  const { app } = await startApi();
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  return json(response) as OpenApiDocument;
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3 document titled canaryd with every route and its statuses', async () => {
    const document = await fetchDocument();
    expect(document.openapi).toMatch(/^3\.0\.\d$/);
    expect(document.info).toMatchObject({ title: 'canaryd', version: '1.2.3' });
    for (const [path, method, statuses] of ROUTES) {
      const operation = document.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(statuses));
    }
    expect(document.paths['/openapi.json']).toBeUndefined();
  });

  it('documents request bodies, the phase query and the id path parameter', async () => {
    const document = await fetchDocument();
    const create = JSON.stringify(document.paths['/v1/analyses']?.['post']?.requestBody);
    for (const word of ['"template"', '"args"', '"mode"', '"adapter"', '"target"', '"drive"', '"observe"']) expect(create).toContain(word);
    const action = JSON.stringify(document.paths['/v1/analyses/{id}/actions']?.['post']?.requestBody);
    for (const word of ['"pause"', '"resume"', '"abort"', '"promote"', '"reason"', '"actor"']) expect(action).toContain(word);
    expect(JSON.stringify(document.paths['/v1/analyses']?.['get']?.parameters)).toContain('"phase"');
    expect(document.paths['/v1/analyses/{id}/verdict']?.['get']?.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'id', required: true })]);
  });

  it('has components for the resources and the webhook body, and every $ref resolves', async () => {
    const document = await fetchDocument();
    const names = Object.keys(document.components.schemas);
    expect(names).toEqual(expect.arrayContaining(['Analysis', 'Verdict', 'TickVerdict', 'Event', 'Error', 'AdapterWebhookRequest']));
    expect(names.filter((name) => name.endsWith('Input'))).toEqual([]);
    for (const ref of collectRefs(document)) {
      expect(names).toContain(ref.replace('#/components/schemas/', ''));
    }
    expect(document.components.schemas['Verdict']?.required).toEqual(
      expect.arrayContaining(['verdict', 'phase', 'step', 'weight', 'rule', 'reason', 'evidenceHash', 'at']),
    );
    const webhook = document.components.schemas['AdapterWebhookRequest'];
    expect(Object.keys(webhook?.properties ?? {})).toEqual([
      'analysisId',
      'action',
      'weight',
      'step',
      'target',
      'rule',
      'evidenceHash',
      'idempotencyKey',
      'at',
      // Extension (issue 9): only on a release rollback, so never required.
      'toVersion',
      'actor',
      'reason',
    ]);
    expect(webhook?.required).toEqual(['analysisId', 'action', 'weight', 'step', 'target', 'rule', 'evidenceHash', 'idempotencyKey', 'at']);
    expect(webhook?.description).toContain('Canaryd-Signature');
  });

  it('tells an integrator how to use the verdict and the webhook', async () => {
    const document = await fetchDocument();
    expect(document.paths['/v1/analyses/{id}/verdict']?.['get']?.description).toMatch(/successCondition: result\.verdict == "promote"/);
    expect(document.paths['/v1/analyses']?.['post']?.description).toMatch(/Idempotency-Key[\s\S]*HMAC-SHA256/);
    expect(document.info.description).toMatch(/observe mode[\s\S]*drive mode/);
  });
});

describe('pruneUnusedSchemas', () => {
  it('keeps what the paths reach, transitively, and what it is told to keep', () => {
    const document = {
      paths: { '/a': { get: { schema: { $ref: '#/components/schemas/A' } } } },
      components: {
        schemas: {
          A: { properties: { b: { $ref: '#/components/schemas/B' } } },
          B: { type: 'string' },
          AInput: { type: 'object' },
          Kept: { properties: { c: { $ref: '#/components/schemas/C' } } },
          C: { type: 'number' },
        },
      },
    };
    expect(Object.keys(pruneUnusedSchemas(document, ['Kept']).components.schemas).sort()).toEqual(['A', 'B', 'C', 'Kept']);
  });
});
