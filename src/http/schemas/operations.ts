// Schemas of the operational endpoints: liveness and readiness.

import { z } from 'zod';

export const healthSchema = z.object({
  status: z.literal('ok'),
  version: z.string().optional().describe('canaryd version, when known.'),
});

export const readySchema = z.object({ status: z.literal('ready') });
