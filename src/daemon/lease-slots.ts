// The tick slot a new lease holder should still serve: the latest startedAt + k·interval at or
// before now, when no tick judged at or after it (the previous holder died first). Pure.

import type { AnalysisState, CompiledTemplate } from '../analysis/types.js';

export function missedSlot(
  state: Pick<AnalysisState, 'startedAt' | 'lastVerdict'>,
  template: Pick<CompiledTemplate, 'intervalMs'>,
  now: number,
): number | null {
  const k = Math.floor((now - state.startedAt) / template.intervalMs);
  if (k < 1) return null;
  const slot = state.startedAt + k * template.intervalMs;
  const lastJudged = state.lastVerdict === null ? Number.NEGATIVE_INFINITY : Date.parse(state.lastVerdict.at);
  return lastJudged < slot ? slot : null;
}
