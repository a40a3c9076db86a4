// Compile-time checks (tsc) that the zod schemas and the service's types agree, so a view the
// service returns always fits its response schema and a validated body is a valid request.

import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';

import type { AnalysisView, CreateAnalysisRequest, ManualActionRequest, VerdictView } from '../../../src/daemon/service-types.js';
import type { manualActionBodySchema } from '../../../src/http/schemas/actions.js';
import type { analysisViewSchema, createAnalysisBodySchema } from '../../../src/http/schemas/analysis.js';
import type { eventSchema } from '../../../src/http/schemas/events.js';
import type { verdictViewSchema } from '../../../src/http/schemas/verdict.js';
import type { AdapterRequest } from '../../../src/adapters/types.js';
import type { adapterWebhookRequestSchema } from '../../../src/http/schemas/webhook.js';
import type { StoredEvent } from '../../../src/store/types.js';

describe('schema types', () => {
  it('match the service types', () => {
    expectTypeOf<AnalysisView>().toExtend<z.output<typeof analysisViewSchema>>();
    expectTypeOf<VerdictView>().toExtend<z.output<typeof verdictViewSchema>>();
    expectTypeOf<StoredEvent>().toExtend<z.output<typeof eventSchema>>();
    expectTypeOf<z.output<typeof createAnalysisBodySchema>>().toExtend<CreateAnalysisRequest>();
    expectTypeOf<z.output<typeof manualActionBodySchema>>().toEqualTypeOf<ManualActionRequest>();
    expectTypeOf<z.output<typeof adapterWebhookRequestSchema>>().toExtend<AdapterRequest>();
  });
});
