// Checks of a create request that need the daemon's config: the template and adapter names, the mode.
// The HTTP layer checks shapes first; these checks also guard callers that skip it (CLI, tests).

import { DomainError } from '../analysis/errors.js';
import type { CompiledTemplate } from '../analysis/types.js';
import type { DeploymentAdapter } from '../adapters/types.js';
import type { CreateAnalysisRequest } from './service-types.js';

const MODES = ['drive', 'observe'] as const;
const TARGET_FIELDS = ['service', 'environment', 'version'] as const;

function known(names: Iterable<string>): string {
  const list = [...names].sort();
  return list.length > 0 ? list.join(', ') : 'none';
}

/** Returns the request's template; throws the DomainError naming the first field at fault. */
export function validateCreateRequest(
  request: CreateAnalysisRequest,
  templates: ReadonlyMap<string, CompiledTemplate>,
  adapters: ReadonlyMap<string, DeploymentAdapter>,
): CompiledTemplate {
  const mode: unknown = request.mode;
  if (typeof mode !== 'string' || !(MODES as readonly string[]).includes(mode)) {
    throw new DomainError(
      'invalid-mode',
      `mode must be "drive" (canaryd sets the weights through an adapter) or "observe" (a controller does), got ${JSON.stringify(mode)}`,
      'mode',
    );
  }
  const template = templates.get(request.template);
  if (template === undefined) {
    throw new DomainError('unknown-template', `unknown template "${request.template}" (loaded: ${known(templates.keys())})`, 'template');
  }
  if (request.mode === 'drive') {
    if (request.adapter === undefined || request.adapter === '') {
      throw new DomainError('unknown-adapter', `drive mode needs an adapter to set the weights (configured: ${known(adapters.keys())})`, 'adapter');
    }
    if (!adapters.has(request.adapter)) {
      throw new DomainError('unknown-adapter', `unknown adapter "${request.adapter}" (configured: ${known(adapters.keys())})`, 'adapter');
    }
  } else if (request.adapter !== undefined) {
    // Refused rather than ignored: a caller naming an adapter expects calls that observe mode never makes.
    throw new DomainError(
      'invalid-request',
      'adapter is only used in drive mode; observe mode makes no adapter calls (remove "adapter" or use mode "drive")',
      'adapter',
    );
  }
  const target: unknown = request.target;
  for (const field of TARGET_FIELDS) {
    const value = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)[field] : undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new DomainError('invalid-request', `target.${field} is required (a non-empty string)`, `target.${field}`);
    }
  }
  return template;
}
