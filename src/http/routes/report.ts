// GET /v1/analyses/{id}/report: the HTML canary report (src/report/), one self-contained page.
// Read scope, like the analysis and its events it is built from.

import { z } from 'zod';
import type { AnalysisService } from '../../daemon/service-types.js';
import { renderReport } from '../../report/render.js';
import { analysisIdParamsSchema, errorResponses } from '../schemas/common.js';
import type { ZodFastifyInstance } from '../types.js';

const REPORT_DESCRIPTION =
  'One self-contained HTML page (inline CSS and SVG, no script, nothing fetched): the decision and its rule, ' +
  'a timeline of decisions and verdicts, per metric a chart of baseline vs canary over the analysis, the ' +
  "judges' p-values and e-values over time, and checks and approvals where the trail has them. Built from " +
  'the stored events; every value is HTML-escaped. Save it with `canaryd report ID > report.html`.';

/** Nothing may load or run: the page is a document, not an application. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function registerReportRoutes(app: ZodFastifyInstance, service: Pick<AnalysisService, 'get' | 'events'>, now: () => number = Date.now): void {
  app.route({
    method: 'GET',
    url: '/v1/analyses/:id/report',
    schema: {
      operationId: 'getAnalysisReport',
      tags: ['analyses'],
      summary: 'The HTML canary report of an analysis',
      description: REPORT_DESCRIPTION,
      params: analysisIdParamsSchema,
      response: {
        200: { description: 'The report (text/html; charset=utf-8).', content: { 'text/html': { schema: z.string() } } },
        ...errorResponses([401, 403, 404, 500, 503]),
      },
    },
    handler: async (request, reply) => {
      const analysis = await service.get(request.params.id);
      const events = await service.events(request.params.id);
      const html = renderReport(analysis, events, { generatedAt: new Date(now()).toISOString() });
      return reply
        .code(200)
        .type('text/html; charset=utf-8')
        .header('Content-Security-Policy', REPORT_CSP)
        .header('X-Content-Type-Options', 'nosniff')
        .header('Content-Disposition', `inline; filename="canaryd-report-${analysis.id.replace(/[^A-Za-z0-9_-]/g, '_')}.html"`)
        .send(html);
    },
  });
}
