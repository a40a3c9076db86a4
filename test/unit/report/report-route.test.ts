import { describe, expect, it } from 'vitest';
import { errorOf, startApi, VALID_CREATE } from '../http/harness.js';

describe('GET /v1/analyses/{id}/report', () => {
  it('answers the HTML report with a CSP that lets nothing load or run', async () => {
    const api = await startApi();
    const created = await api.service.create({ ...VALID_CREATE, args: { ...VALID_CREATE.args }, target: { ...VALID_CREATE.target } });
    const response = await api.app.inject({ method: 'GET', url: `/v1/analyses/${created.id}/report` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'unsafe-inline'/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body).toContain(`<code>${created.id}</code>`);
    expect(response.body).toContain('No decision yet: ');
  });

  it('404 names the unknown analysis, as JSON', async () => {
    const api = await startApi();
    const response = await api.app.inject({ method: 'GET', url: '/v1/analyses/nope/report' });
    expect(errorOf(response)).toMatchObject({ status: 404, code: 'not-found' });
  });
});
