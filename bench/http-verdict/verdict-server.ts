// The daemon's HTTP layer alone: buildServer with the production logger (level info, redaction, a
// secret to scrub) and a service that answers every verdict poll with a fixed body — no ticks, no
// store. `node dist-bench/bench/http-verdict/verdict-server.js BODY_FILE [PRINCIPALS [FAST_PATH]]`:
// with PRINCIPALS > 0, bearer auth with that many principals (tokens benchPrincipalToken(i); the load
// presents the last one); FAST_PATH `on` (default): the body is in the verdict cache, as for the
// daemon's polls between writes, and the fast path answers; `off`: every poll goes through fastify.
// Prints the verdict URL on stdout, stops on SIGTERM.

import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { AnalysisService } from '../../src/daemon/service-types.js';
import { buildServer } from '../../src/http/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { benchPrincipalToken } from './tokens.js';

const bodyFile = process.argv[2];
if (bodyFile === undefined) {
  process.stderr.write('usage: node dist-bench/bench/http-verdict/verdict-server.js BODY_FILE\n');
  process.exit(2);
}
const body = readFileSync(bodyFile, 'utf8');
const principalCount = Number(process.argv[3] ?? 0);
const fastPath = (process.argv[4] ?? 'on') === 'on';
const principals = Array.from({ length: principalCount }, (_, index) => ({
  name: `bench-${index}`,
  token: benchPrincipalToken(index),
  scopes: ['read' as const],
  environments: null,
}));
const unused = async (): Promise<never> => {
  throw new Error('not served by this benchmark');
};
// Only the verdict route is loaded; every other method of the service refuses.
const answers: Partial<AnalysisService> = { verdictBody: async () => body, ...(fastPath ? { peekVerdictBody: () => body } : {}) };
const service = new Proxy(answers, {
  get: (target, key: string) => target[key as keyof AnalysisService] ?? (key === 'peekVerdictBody' ? undefined : unused),
}) as AnalysisService;
const discard = new Writable({
  write(_chunk, _encoding, callback) {
    callback();
  },
});
const logger = createLogger({ level: 'info', destination: discard, redactValues: ['bench-secret-token-0000'] });
const app = await buildServer({
  service,
  metrics: async () => ({ contentType: 'text/plain', body: '' }),
  logger,
  ...(principalCount > 0 ? { access: { principals, allowedHosts: null } } : {}),
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${address}/v1/analyses/bench/verdict\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
