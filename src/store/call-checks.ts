// Checks every Store backend applies to adapter calls before recording them.

import { DomainError } from '../analysis/errors.js';
import type { AdapterCallInput } from './types.js';

export function checkCalls(analysisId: string, calls: AdapterCallInput[]): void {
  for (const call of calls) {
    if (call.request.idempotencyKey !== call.idempotencyKey) {
      throw new DomainError('invalid-adapter-call', `adapter call key ${call.idempotencyKey} differs from its request's key ${call.request.idempotencyKey}`);
    }
    if (call.request.analysisId !== analysisId) {
      throw new DomainError('invalid-adapter-call', `adapter call ${call.idempotencyKey} is for analysis ${call.request.analysisId}, not ${analysisId}`);
    }
  }
}
