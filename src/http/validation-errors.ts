// Turns fastify's request validation failures (issues from fastify-type-provider-zod) into one
// error body. Field names: a dotted path inside the JSON body (`target.service`, `args.namespace`),
// `query.NAME` for the query string, `params.NAME` for the path, `headers.NAME` for headers.

import type { FastifySchemaValidationError } from 'fastify';

/** Which part of the request failed validation (fastify's `validationContext`). */
export type ValidationContext = 'body' | 'querystring' | 'params' | 'headers';

const CONTEXT_PREFIX: Record<string, string> = {
  body: '',
  querystring: 'query.',
  params: 'params.',
  headers: 'headers.',
};

const CONTEXT_NAME: Record<string, string> = {
  body: 'request body',
  querystring: 'query string',
  params: 'path',
  headers: 'headers',
};

interface DescribedIssue {
  field?: string;
  message: string;
}

function pathSegments(instancePath: string): string[] {
  return instancePath.split('/').filter((segment) => segment !== '');
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function nestedMessage(params: Record<string, unknown>): string | undefined {
  const issues = params['issues'];
  if (!Array.isArray(issues)) return undefined;
  const first: unknown = issues[0];
  if (typeof first === 'object' && first !== null && 'message' in first && typeof first.message === 'string') {
    return first.message;
  }
  return undefined;
}

function describeIssue(issue: FastifySchemaValidationError, prefix: string): DescribedIssue[] {
  const segments = pathSegments(issue.instancePath);
  const params = issue.params;
  const fieldOf = (extra: string[]): string | undefined => {
    const all = [...segments, ...extra];
    return all.length === 0 ? undefined : `${prefix}${all.join('.')}`;
  };
  if (issue.keyword === 'unrecognized_keys') {
    const keys = stringList(params['keys']);
    if (keys.length > 0) return keys.map((key) => ({ field: fieldOf([key]), message: 'unknown field' }));
  }
  if (issue.keyword === 'invalid_key') {
    return [{ field: fieldOf([]), message: nestedMessage(params) ?? 'invalid name' }];
  }
  return [{ field: fieldOf([]), message: issue.message ?? 'invalid' }];
}

export interface ValidationFailure {
  field?: string;
  message: string;
}

/** The first bad field and a message that names every bad field. */
export function describeValidationFailure(issues: FastifySchemaValidationError[], context: ValidationContext | undefined): ValidationFailure {
  const key = context ?? 'body';
  const prefix = CONTEXT_PREFIX[key] ?? '';
  const described = issues.flatMap((issue) => describeIssue(issue, prefix));
  const parts = described.map(({ field, message }) => {
    if (field !== undefined) return `${field}: ${message}`;
    return `${CONTEXT_NAME[key] ?? key}: ${message}`;
  });
  const unique = [...new Set(parts)];
  const first = described.find((issue) => issue.field !== undefined);
  const message = `invalid request: ${unique.join('; ')}`;
  return first?.field === undefined ? { message } : { field: first.field, message };
}
