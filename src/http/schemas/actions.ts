// The body of a manual action: an operator pauses, resumes, aborts or promotes an analysis.

import { z } from 'zod';

import { expected, requiredText } from './messages.js';

const REASON_MAX = 2000;
const ACTOR_MAX = 256;

export const MANUAL_ACTIONS = ['pause', 'resume', 'abort', 'promote'] as const;

export const manualActionBodySchema = z.strictObject(
  {
    action: z
      .enum(MANUAL_ACTIONS, { error: expected(`one of ${MANUAL_ACTIONS.join(', ')}`) })
      .describe(
        'pause (from running) · resume (from paused) · abort (from pending, running or paused: roll back) · ' +
          'promote (from running or paused: advance one step now, or complete from the last step).',
      ),
    reason: requiredText(REASON_MAX).describe('Why; recorded in the event trail.'),
    actor: requiredText(ACTOR_MAX).describe('Who (a user or a system); recorded in the event trail.'),
  },
  { error: expected('a JSON object') },
);
