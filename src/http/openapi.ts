// The OpenAPI 3 document served at /openapi.json, generated from the routes' zod schemas.

import fastifySwagger, { type SwaggerTransformObject } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

import { API_DESCRIPTION } from './openapi-text.js';
import { errorBodySchema } from './schemas/common.js';
import { adapterWebhookRequestSchema } from './schemas/webhook.js';

const SCHEMA_REF_PREFIX = '#/components/schemas/';

/** Components kept even when no route refers to them (documentation of what canaryd sends). */
const ALWAYS_DOCUMENTED = [adapterWebhookRequestSchema.meta()?.id, errorBodySchema.meta()?.id].filter((id): id is string => typeof id === 'string');

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

type DocumentWithPaths = DocumentWithSchemas & { paths?: Record<string, Record<string, Record<string, unknown>>> };

/** /v1 needs a bearer token (when auth is configured); /metrics, /healthz and /readyz stay open. */
export function documentSecurity<T extends DocumentWithPaths>(document: T): T {
  const paths = Object.fromEntries(
    Object.entries(document.paths ?? {}).map(([path, operations]) => [
      path,
      path.startsWith('/v1')
        ? operations
        : Object.fromEntries(Object.entries(operations).map(([method, operation]) => [method, { ...operation, security: [] }])),
    ]),
  );
  return {
    ...document,
    paths,
    components: {
      ...document.components,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A token of auth.tokens in the daemon config, as `Authorization: Bearer <token>`. Scopes: read (every GET under /v1), ' +
            'analyses:create, actions (pause, resume, abort, promote), approve, admin (freezes). Missing or unknown token: 401 ' +
            'unauthenticated; a scope or environment the principal lacks: 403 forbidden. Without auth (loopback only) no token is needed.',
        },
      },
    },
    security: [{ bearerAuth: [] }],
  };
}

const transformObject: SwaggerTransformObject = (input) =>
  documentSecurity(pruneUnusedSchemas(jsonSchemaTransformObject(input), ALWAYS_DOCUMENTED) as DocumentWithPaths) as ReturnType<
    typeof jsonSchemaTransformObject
  >;

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'canaryd', version, description: API_DESCRIPTION },
      tags: [
        { name: 'analyses', description: 'Create analyses, poll verdicts, act on them, read their audit trail.' },
        { name: 'operations', description: 'Metrics, liveness and readiness.' },
        { name: 'control', description: 'Approvals bound to evidence, freezes (the kill switch) and their trail.' },
        { name: 'gates', description: 'Deployment controllers without glue: the Argo Rollouts web provider and Flagger webhooks.' },
        { name: 'releases', description: 'Release records of a service, and rollbacks to a named version.' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject,
  });
}
