// The OpenAPI 3 document served at /openapi.json, generated from the routes' zod schemas.

import fastifySwagger, { type SwaggerTransformObject } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

import { API_DESCRIPTION } from './openapi-text.js';
import { errorBodySchema } from './schemas/common.js';
import { adapterWebhookRequestSchema } from './schemas/webhook.js';

const SCHEMA_REF_PREFIX = '#/components/schemas/';

/** Components kept even when no route refers to them (documentation of what canaryd sends). */
const ALWAYS_DOCUMENTED = [
  adapterWebhookRequestSchema.meta()?.id,
  errorBodySchema.meta()?.id,
].filter((id): id is string => typeof id === 'string');

function collectSchemaRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectSchemaRefs(item, into);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === '$ref' && typeof child === 'string' && child.startsWith(SCHEMA_REF_PREFIX)) {
      into.add(child.slice(SCHEMA_REF_PREFIX.length));
    } else {
      collectSchemaRefs(child, into);
    }
  }
}

type DocumentWithSchemas = { paths?: unknown; components?: { schemas?: Record<string, unknown> } };

/**
 * The zod type provider emits every registered schema twice (input and output variants);
 * keep only the components the paths reach, plus the documented ones.
 */
export function pruneUnusedSchemas<T extends DocumentWithSchemas>(document: T, keep: readonly string[]): T {
  const schemas = document.components?.schemas;
  if (schemas === undefined) return document;
  const reachable = new Set<string>();
  const pending = new Set<string>(keep);
  collectSchemaRefs(document.paths, pending);
  while (pending.size > 0) {
    const [name] = pending;
    pending.delete(name as string);
    if (name === undefined || reachable.has(name) || !(name in schemas)) continue;
    reachable.add(name);
    const found = new Set<string>();
    collectSchemaRefs(schemas[name], found);
    for (const next of found) if (!reachable.has(next)) pending.add(next);
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => reachable.has(name)));
  return { ...document, components: { ...document.components, schemas: kept } };
}

const transformObject: SwaggerTransformObject = (input) =>
  pruneUnusedSchemas(jsonSchemaTransformObject(input), ALWAYS_DOCUMENTED);

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'canaryd', version, description: API_DESCRIPTION },
      tags: [
        { name: 'analyses', description: 'Create analyses, poll verdicts, act on them, read their audit trail.' },
        { name: 'operations', description: 'Metrics, liveness and readiness.' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject,
  });
}
