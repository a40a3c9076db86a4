// The append-only, hash-chained event trail of an analysis.

import { z } from 'zod';

import { timestampSchema } from './common.js';

export const eventSchema = z
  .object({
    seq: z.number().int().min(1).describe('1-based, without gaps.'),
    analysisId: z.string(),
    type: z.string().describe('What happened, e.g. created, verdict, transition, adapter-call.'),
    at: timestampSchema,
    payload: z.record(z.string(), z.unknown()),
    hash: z
      .string()
      .describe('sha256 hex of prevHash followed by the canonical JSON (keys sorted recursively, no whitespace) ' + 'of {analysisId, seq, type, at, payload}.'),
    prevHash: z.string().describe("The previous event's hash; 64 zeros for the first event."),
  })
  .meta({ id: 'Event', description: 'One entry of the trail. Changing, removing or reordering any event breaks the chain.' });

export const eventListSchema = z.object({ events: z.array(eventSchema) }).meta({ id: 'EventList' });
