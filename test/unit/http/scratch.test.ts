import { it } from 'vitest';
import { startApi } from './harness.js';
it('probe', async () => {
  const { app } = await startApi();
  for (const headers of [{}, { 'content-type': 'application/json; charset=utf-8' }, {'content-type': 'text/plain'}]) {
    const r = await app.inject({ method: 'POST', url: '/v1/analyses', headers, payload: '{"a":1}' });
    console.log(JSON.stringify(headers), r.statusCode, r.body);
  }
  const r = await app.inject({ method: 'POST', url: '/v1/analyses/x/actions' });
  console.log(r.statusCode, r.body);
  const d = await app.inject({ method: 'DELETE', url: '/v1/analyses/x' });
  console.log(d.statusCode, d.body);
  const o = await app.inject({ method: 'GET', url: '/openapi.json' });
  console.log(o.statusCode, o.body);
});
