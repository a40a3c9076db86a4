// The SQLite store's page of summaries: SQLite's json_extract reads the few fields a summary
// needs out of the state and control columns (in C, once per row), so a page of 100 costs no
// JSON.parse of whole state rows and no full verdicts in memory.

import type BetterSqlite3 from 'better-sqlite3';
import type { Phase, RuleRef, VerdictAction } from '../../analysis/types.js';
import { decodeCursor, encodeCursor, pageLimit, type AnalysisListQuery, type AnalysisPage, type AnalysisSummary } from '../summary.js';
import type { AnalysisMode, Target } from '../types.js';
import type { PinnedTemplates } from './pinned-templates.js';

const CURSOR_PREFIX = 's:';

interface SummaryRow {
  position: number;
  id: string;
  template: string;
  args: string;
  mode: string;
  adapter: string | null;
  target: string;
  phase: string;
  created_at: string;
  updated_at: string;
  version: number;
  /** JSON array: stepIndex, startedAt, stepStartedAt, decidedAt, decidedBy, then the last verdict's action, rule, reason, at, evidenceHash, then follow.weight. */
  state_fields: string;
  /** JSON array: createdBy, templateHash, the pinned template's key, its steps when the row holds it inline (before schema version 4). */
  control_fields: string;
}

type StateFields = [
  number,
  number,
  number,
  number | null,
  RuleRef | null,
  VerdictAction | null,
  RuleRef | null,
  string | null,
  string | null,
  string | null,
  number | null,
];

const SELECT_PAGE = `
  SELECT position, id, template, args, mode, adapter, target, phase, created_at, updated_at, version,
    json_extract(state, '$.stepIndex', '$.startedAt', '$.stepStartedAt', '$.decidedAt', '$.decidedBy',
      '$.lastVerdict.action', '$.lastVerdict.rule', '$.lastVerdict.reason', '$.lastVerdict.at', '$.lastVerdict.evidenceHash',
      '$.follow.weight') AS state_fields,
    json_extract(control, '$.createdBy', '$.templateHash', '$.templateKey', '$.templateSpec.steps') AS control_fields
  FROM analyses
  WHERE position > @after
    AND (@phase IS NULL OR phase = @phase)
    AND (@template IS NULL OR template = @template)
    AND (@service IS NULL OR json_extract(target, '$.service') = @service)
    AND (@environment IS NULL OR json_extract(target, '$.environment') = @environment)
    AND (@version IS NULL OR json_extract(target, '$.version') = @version)
  ORDER BY position
  LIMIT @take`;

interface PageParams {
  after: number;
  phase: string | null;
  template: string | null;
  service: string | null;
  environment: string | null;
  version: string | null;
  take: number;
}

function rowToSummary(row: SummaryRow, pins: PinnedTemplates): AnalysisSummary {
  const [stepIndex, startedAt, stepStartedAt, decidedAt, decidedBy, action, rule, reason, at, evidenceHash, observedWeight] = JSON.parse(
    row.state_fields,
  ) as StateFields;
  const [createdBy, templateHash, templateKey, inlineSteps] = JSON.parse(row.control_fields) as [
    string | null,
    string | null,
    string | null,
    Array<{ weight: number }> | null,
  ];
  const pinnedSteps = templateKey === null ? inlineSteps : pins.specFor(templateKey).steps;
  return {
    id: row.id,
    template: row.template,
    args: JSON.parse(row.args) as Record<string, string>,
    mode: row.mode as AnalysisMode,
    adapter: row.adapter,
    target: JSON.parse(row.target) as Target,
    phase: row.phase as Phase,
    stepIndex,
    startedAt,
    stepStartedAt,
    decidedAt,
    decidedBy,
    lastVerdict: action === null ? null : { action, rule, reason: reason ?? '', at: at ?? '', evidenceHash: evidenceHash ?? '' },
    observedWeight,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
    createdBy,
    templateHash,
    pinnedStepWeights: pinnedSteps === null ? null : pinnedSteps.map((step) => step.weight),
  };
}

export function prepareSummaryPage(db: BetterSqlite3.Database, pins: PinnedTemplates): (query: AnalysisListQuery) => AnalysisPage {
  const select = db.prepare<[PageParams], SummaryRow>(SELECT_PAGE);
  return (query) => {
    const limit = pageLimit(query.limit);
    const rows = select.all({
      after: query.cursor === undefined ? 0 : decodeCursor(CURSOR_PREFIX, query.cursor),
      phase: query.phase ?? null,
      template: query.template ?? null,
      service: query.service ?? null,
      environment: query.environment ?? null,
      version: query.version ?? null,
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      analyses: page.map((row) => rowToSummary(row, pins)),
      nextCursor: rows.length > limit && last !== undefined ? encodeCursor(CURSOR_PREFIX, last.position) : null,
    };
  };
}
