// Environment limits of a principal. Pure.

import { DomainError } from '../analysis/errors.js';
import type { Principal } from './types.js';

/** Throws `forbidden` when the principal may not act in this environment. */
export function assertEnvironment(principal: Principal | null, environment: string): void {
  if (principal === null || principal.environments === null) return;
  if (!principal.environments.includes(environment)) {
    throw new DomainError(
      'forbidden',
      `principal ${principal.name} may not act in environment ${environment} (allowed: ${principal.environments.join(', ')})`,
      'target.environment',
    );
  }
}
