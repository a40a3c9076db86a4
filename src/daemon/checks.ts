// Evidence for a check (spec.checks) posted to an analysis: validated against the declared fields,
// stored with the analysis and appended to its trail as a `check` event, in one transaction. The
// next tick reads it (and its evidence hash covers it).

import { checkValuesProblem } from '../analysis/checks.js';
import { DomainError } from '../analysis/errors.js';
import type { CheckEvidence, CheckSpec, CheckValue } from '../analysis/types.js';
import { assertEnvironment } from '../control/access.js';
import type { Principal } from '../control/types.js';
import type { AnalysisRecord } from '../store/types.js';
import { isoAt } from './clock.js';
import { analysisLogger, type DaemonContext } from './context.js';
import { templateOf } from './control-context.js';
import { isTerminal } from './gate-state.js';
import type { CheckRequest, PostedCheck } from './release-types.js';

/** What this module takes from the DaemonContext. */
export type CheckDeps = Pick<DaemonContext, 'store' | 'templates' | 'logger' | 'clock'>;

const COMMIT_ATTEMPTS = 3;

/** Every declared field present with its type, no other field: or an invalid-request naming the field. */
export function validateCheckValues(spec: CheckSpec, values: Readonly<Record<string, unknown>>): Record<string, CheckValue> {
  const problem = checkValuesProblem(spec, values);
  if (problem !== null) throw new DomainError('invalid-request', `${problem.field}: ${problem.message}`, problem.field);
  return { ...values } as Record<string, CheckValue>;
}

function checkSpecOf(record: AnalysisRecord, context: CheckDeps, name: string): CheckSpec {
  const specs = templateOf(context.templates, record)?.checks ?? [];
  const spec = specs.find((candidate) => candidate.name === name);
  if (spec === undefined) {
    const known = specs.length === 0 ? `template ${record.template} declares no checks` : `checks: ${specs.map((check) => check.name).join(', ')}`;
    throw new DomainError('unknown-check', `analysis ${record.id} has no check "${name}" (${known})`, 'name');
  }
  return spec;
}

export async function postCheck(
  context: CheckDeps,
  analysisId: string,
  name: string,
  request: CheckRequest,
  principal: Principal | null,
): Promise<PostedCheck> {
  for (let attempt = 1; ; attempt += 1) {
    const record = await context.store.getAnalysis(analysisId);
    if (record === null) throw new DomainError('not-found', `analysis ${analysisId} does not exist`, 'id');
    assertEnvironment(principal, record.target.environment);
    const spec = checkSpecOf(record, context, name);
    const values = validateCheckValues(spec, request.values);
    if (isTerminal(record.state.phase)) {
      throw new DomainError(
        'invalid-transition',
        `analysis ${analysisId} is ${record.state.phase}: evidence for check "${name}" can no longer change it`,
        'id',
      );
    }
    const at = isoAt(context.clock.now());
    const evidence: CheckEvidence = { name, values, source: request.source, digest: request.digest ?? null, at, actor: principal?.name ?? null };
    const next: AnalysisRecord = { ...record, checks: { ...(record.checks ?? {}), [name]: evidence }, updatedAt: at, version: record.version + 1 };
    try {
      await context.store.commitTransition(next, [{ type: 'check', at, payload: { ...evidence } }], []);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'conflict' && attempt < COMMIT_ATTEMPTS) continue;
      throw error;
    }
    analysisLogger(context, record).info({ check: name, source: evidence.source, digest: evidence.digest, actor: evidence.actor }, `check ${name} posted`);
    return evidence;
  }
}
